import type { Image, LaunchPermission } from "./types.js";

type Row = Record<string, unknown>;

/** A map that forgets its oldest entry past max (Map iteration order is insertion order). */
export class Bounded<V> extends Map<string, V> {
  constructor(private readonly max: number) {
    super();
  }
  override set(key: string, value: V): this {
    if (!this.delete(key) && this.size >= this.max) this.delete(this.keys().next().value as string);
    return super.set(key, value);
  }
}

/**
 * Parsed documents and launch permission lists by image id, so describe calls read only ids from
 * covering indexes and never parse JSON for an image they have seen. This process's writes evict
 * what they change, after the commit; a commit by any other connection (another process:
 * `amigate accounts create`, an admin command) moves SQLite's data_version, and everything is
 * dropped at the next read. Callers never mutate the frozen values.
 */
export class ImageCache {
  private readonly images: Bounded<Image>;
  private readonly permissions: Bounded<readonly LaunchPermission[]>;
  /**
   * The images granted to an account by user id, in id order, its own left out
   * (`--executable-users self`). Dropped on any change to an image or a launch permission.
   */
  private readonly grants = new Map<string, readonly Image[]>();
  /** Entries across all grant lists (an empty list counts one), held to `max` like the documents. */
  private grantEntries = 0;
  private version = -1;

  constructor(
    private readonly max: number,
    private readonly dataVersion: () => number,
  ) {
    this.images = new Bounded(max);
    this.permissions = new Bounded(max);
  }

  private checked = false;

  /**
   * Before a read: forget everything if another connection has committed since the last check.
   * Checked once per event-loop turn: reads in one turn (a request's synchronous store calls) then
   * see one consistent state, as if they had run at the turn's start.
   */
  sync(): void {
    if (this.checked) return;
    this.checked = true;
    setImmediate(() => {
      this.checked = false;
    });
    const v = this.dataVersion();
    if (v !== this.version) {
      this.images.clear();
      this.permissions.clear();
      this.clearGrants();
      this.version = v;
    }
  }

  get(imageId: string): Image | undefined {
    return this.images.get(imageId);
  }

  put(row: Row): Image {
    const image = JSON.parse(row.doc as string) as Image;
    image.isPublic = row.is_public === 1;
    Object.freeze(image);
    this.images.set(row.image_id as string, image);
    return image;
  }

  launchPermissions(imageId: string): readonly LaunchPermission[] | undefined {
    return this.permissions.get(imageId);
  }

  putLaunchPermissions(imageId: string, list: LaunchPermission[]): readonly LaunchPermission[] {
    const frozen = Object.freeze(list.map((p) => Object.freeze(p)));
    this.permissions.set(imageId, frozen);
    return frozen;
  }

  grantsTo(accountId: string): readonly Image[] | undefined {
    return this.grants.get(accountId);
  }

  putGrants(accountId: string, images: Image[]): readonly Image[] {
    const frozen = Object.freeze(images);
    const weight = (list: readonly Image[] | undefined) => (list ? Math.max(1, list.length) : 0);
    if (weight(frozen) > this.max) return frozen; // too long to keep: read again next time
    this.grantEntries -= weight(this.grants.get(accountId));
    if (this.grantEntries + weight(frozen) > this.max) this.clearGrants();
    this.grantEntries += weight(frozen);
    this.grants.set(accountId, frozen);
    return frozen;
  }

  private clearGrants(): void {
    this.grants.clear();
    this.grantEntries = 0;
  }

  /**
   * After a committed change to the image's row (or its removal). Grant lists are all dropped on
   * any change to an image or its launch permissions: a write names the image, not every account
   * whose list holds it, and writes are rare next to reads.
   */
  delete(imageId: string): void {
    this.images.delete(imageId);
    this.permissions.delete(imageId);
    this.clearGrants();
  }

  /** After a committed change to the image's launch permissions only. */
  deleteLaunchPermissions(imageId: string): void {
    this.permissions.delete(imageId);
    this.clearGrants();
  }

  /** After a committed change to the image's launch permissions whose new list is known. */
  replaceLaunchPermissions(imageId: string, list: LaunchPermission[]): void {
    this.putLaunchPermissions(imageId, list);
    this.clearGrants();
  }
}
