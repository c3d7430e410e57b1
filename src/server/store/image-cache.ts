import type { Image } from "./types.js";

type Row = Record<string, unknown>;

/**
 * Parsed documents by image id, valid while the row's rev is unchanged (a trigger bumps rev on any
 * change of doc or is_public, whichever process writes): describe calls then read only
 * (image_id, rev) from covering indexes and never parse JSON for images they have seen.
 * Callers never mutate the frozen documents.
 */
export class ImageCache {
  private readonly entries = new Map<string, { rev: number; image: Image }>();
  constructor(private readonly max: number) {}

  get(imageId: string, rev: number): Image | undefined {
    const e = this.entries.get(imageId);
    return e !== undefined && e.rev === rev ? e.image : undefined;
  }

  revOf(imageId: string): number {
    return this.entries.get(imageId)?.rev ?? -1;
  }

  put(row: Row): Image {
    const image = JSON.parse(row.doc as string) as Image;
    image.isPublic = row.is_public === 1;
    Object.freeze(image);
    const id = row.image_id as string;
    // Oldest first out: Map iteration order is insertion order.
    if (!this.entries.delete(id) && this.entries.size >= this.max)
      this.entries.delete(this.entries.keys().next().value as string);
    this.entries.set(id, { rev: row.rev as number, image });
    return image;
  }

  delete(imageId: string): void {
    this.entries.delete(imageId);
  }
}
