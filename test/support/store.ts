/** Store fixtures for tests: an image document, and stores opened on a temporary data dir. */
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { openStore } from "../../src/server/catalogue.js";
import { newImageId } from "../../src/server/ids.js";
import type { SqliteStore } from "../../src/server/store/sqlite.js";
import type { Image, Store } from "../../src/server/store/types.js";

/** A private x86_64 HVM EBS image document owned by `ownerId`. */
export function testImage(ownerId: string, name: string, extra: Partial<Image> = {}): Image {
  return {
    imageId: newImageId(),
    ownerId,
    name,
    architecture: "x86_64",
    virtualizationType: "hvm",
    rootDeviceType: "ebs",
    platformDetails: "Linux/UNIX",
    imageLocation: `${ownerId}/${name}`,
    state: "available",
    creationDate: "2024-05-17T12:00:00.000Z",
    blockDeviceMappings: [],
    isPublic: false,
    ...extra,
  };
}

/**
 * Runs `body` with `open`, which opens another store (another connection, as another process
 * would) on one temporary data dir; every store is closed and the dir removed afterwards.
 */
export async function withStores(body: (open: () => SqliteStore) => Promise<void>): Promise<void> {
  const dir = mkdtempSync(path.join(os.tmpdir(), "amigate-store-"));
  const opened: SqliteStore[] = [];
  try {
    await body(() => {
      const s = openStore(dir);
      opened.push(s);
      return s;
    });
  } finally {
    for (const s of opened) await s.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** A kind of store for the contract suite (store-contract.ts). */
export interface StoreKind {
  name: string;
  /**
   * Runs `body` with `open`, which opens another store (another connection: another process or
   * API node) on one fresh catalogue; everything is closed and removed afterwards.
   */
  withStores(body: (open: () => Promise<Store>) => Promise<void>): Promise<void>;
}

export const sqliteStores: StoreKind = {
  name: "sqlite",
  withStores: (body) => withStores((open) => body(async () => open())),
};
