import type { Image } from "./types.js";

type Row = Record<string, unknown>;

/**
 * Parsed documents by image id, so describe calls read only ids from covering indexes and never
 * parse JSON for an image they have seen. This process's writes evict what they change, after the
 * commit; a commit by any other connection (another process: `amigate accounts create`, an admin
 * command) moves SQLite's data_version, and the whole cache is dropped at the next read.
 * Callers never mutate the frozen documents.
 */
export class ImageCache {
  private readonly entries = new Map<string, Image>();
  private version = -1;

  constructor(
    private readonly max: number,
    private readonly dataVersion: () => number,
  ) {}

  /** Once per read: forget everything if another connection has committed since the last read. */
  sync(): void {
    const v = this.dataVersion();
    if (v !== this.version) {
      this.entries.clear();
      this.version = v;
    }
  }

  get(imageId: string): Image | undefined {
    return this.entries.get(imageId);
  }

  put(row: Row): Image {
    const image = JSON.parse(row.doc as string) as Image;
    image.isPublic = row.is_public === 1;
    Object.freeze(image);
    const id = row.image_id as string;
    // Oldest first out: Map iteration order is insertion order.
    if (!this.entries.delete(id) && this.entries.size >= this.max)
      this.entries.delete(this.entries.keys().next().value as string);
    this.entries.set(id, image);
    return image;
  }

  delete(imageId: string): void {
    this.entries.delete(imageId);
  }
}
