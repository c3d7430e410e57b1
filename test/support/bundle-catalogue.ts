/**
 * A catalogue with rows in every table a bundle carries (store/bundle/tables.ts), written through
 * the Store API and a real blob store, for the export/import tests.
 */
import { randomBytes } from "node:crypto";
import type { BlobStore, Store } from "../../src/server/store/types.js";
import { listingOf } from "./listing-tester.js";
import { testImage } from "./store.js";

async function* once(bytes: Buffer) {
  yield bytes;
}

export const GRANTS_PER_IMAGE = 600;
export const EXTRA_SCANS = 60;

export interface FilledCatalogue {
  ownerId: string;
  friendId: string;
  imageIds: string[];
  blobs: Array<{ sha256: string; size: number }>;
}

export async function fillCatalogue(store: Store, blobs: BlobStore): Promise<FilledCatalogue> {
  const owner = await store.createAccount({ alias: "acme", admin: true });
  const friend = await store.createAccount({
    alias: "friend",
    organization: { organizationId: "o-abc123def4", ouPath: ["ou-ab12-11111111"] },
  });
  const ownerId = owner.account.accountId;
  const friendId = friend.account.accountId;
  const stored = [];
  const imageIds: string[] = [];
  for (const [i, size] of [1000, 70_000].entries()) {
    const blob = await blobs.put(once(randomBytes(size)));
    await store.recordBlob({ ...blob, uploadedBy: ownerId });
    stored.push(blob);
    const image = testImage(ownerId, `bundle-${i}`, { blob, description: `image ${i} "quoted" ✓` });
    await store.insertImage(image, [{ key: "Name", value: `bundle ${i}` }]);
    imageIds.push(image.imageId);
  }
  const [shared, listed] = imageIds as [string, string];
  const audit = {
    entry: {
      at: "2026-03-01T10:00:00.000Z",
      accountId: ownerId,
      accessKeyId: owner.accessKeyId,
      action: "ModifyImageAttribute",
      resource: shared,
      detail: '{"LaunchPermission.Add.1.UserId":"…"}',
      sourceIp: "127.0.0.1",
      outcome: "ok",
    },
    written: false,
  };
  await store.modifyLaunchPermissions(shared, [{ userId: friendId }, { group: "all" }], [], audit);
  await store.createTags(friendId, [shared], [{ key: "team", value: "consumer" }]);
  // More rows than one export page (PAGE_ROWS, scans' pageRows), so paging by a composite key is used.
  for (const imageId of imageIds) {
    const grantees = Array.from({ length: GRANTS_PER_IMAGE }, (_, i) => ({
      userId: String(100_000_000_000 + i),
    }));
    await store.modifyLaunchPermissions(imageId, grantees, []);
  }
  for (let i = 0; i < EXTRA_SCANS; i++) await store.createScan(listed);
  const scan = await store.createScan(shared);
  await store.updateScan(scan.scanId, {
    status: "done",
    finishedAt: "2026-03-01T10:05:00.000Z",
    report: JSON.stringify({ passed: true, findings: [] }),
    facts: JSON.stringify({ os: { id: "debian", versionId: "12" } }),
  });
  await store.createScan(listed);
  await store.setBlockPublicAccess(friendId, true);
  await store.updateAllowedImagesSettings(friendId, {
    state: "audit-mode",
    criteria: [{ imageProviders: [ownerId] }],
    requirePassingVerdict: true,
  });
  await store.setPublisher(ownerId, "https://acme.example.com");
  await store.putListing(ownerId, listingOf({ imageId: listed, name: "bundle-1" }), ownerId);
  const at = "2026-03-01T00:00:00.000Z";
  await store.putAttestations(listed, [
    { id: "attest-no-seller-access", answer: "no", comment: "VPN", by: ownerId, at },
  ]);
  const gone = testImage(ownerId, "bundle-gone");
  await store.insertImage(gone, []);
  await store.modifyLaunchPermissions(gone.imageId, [{ userId: friendId }], []);
  await store.deleteImage(gone.imageId);
  await store.createSession({
    tokenHash: "a".repeat(64),
    accountId: ownerId,
    accessKeyId: owner.accessKeyId,
    csrfToken: "csrf",
    createdAt: at,
    lastSeenAt: at,
    expiresAt: "2099-01-01T00:00:00.000Z",
  });
  return { ownerId, friendId, imageIds, blobs: stored };
}
