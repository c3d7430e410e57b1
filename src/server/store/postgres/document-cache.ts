/**
 * Parsed image documents kept by their text. PostgreSQL hands out a new object per row, so without
 * this every DescribeImages parses every document again and the renderer (which keeps each
 * document's XML by object) renders it again. The text is compared on every read, so another
 * node's change is seen at once: nothing needs invalidating across nodes.
 */
import { Bounded } from "../image-cache.js";
import type { Image } from "../types.js";
import type { Row } from "./database.js";

interface Kept {
  text: string;
  isPublic: boolean;
  image: Image;
}

export class DocumentCache {
  readonly #kept: Bounded<Kept>;

  constructor(max = Number(process.env.AMIGATE_IMAGE_CACHE ?? 50_000)) {
    this.#kept = new Bounded(max);
  }

  /** The image of a row selected as `is_public, image_id, doc::text AS doc_text`. */
  imageOf(row: Row): Image {
    const id = row.image_id as string;
    const text = row.doc_text as string;
    const isPublic = row.is_public === true;
    const kept = this.#kept.get(id);
    if (kept !== undefined && kept.isPublic === isPublic && kept.text === text) return kept.image;
    const image = JSON.parse(text) as Image;
    // is_public, which launch permissions keep, over the one in the JSON.
    image.isPublic = isPublic;
    Object.freeze(image);
    this.#kept.set(id, { text, isPublic, image });
    return image;
  }
}

/** The columns DocumentCache.imageOf reads. */
export const DOCUMENT_COLUMNS = "i.is_public, i.image_id, i.doc::text AS doc_text";
