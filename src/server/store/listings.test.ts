/**
 * The listing, attestation and publisher repositories: a listing is public only while its image
 * is (publishing a private image's listing does nothing; unsharing unpublishes it in the same
 * transaction), versions of a product find their predecessor, and everything goes with its image.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { listingOf } from "../../../test/support/listing-tester.js";
import { testImage, withStores } from "../../../test/support/store.js";

test("listings: publish only while public, unpublished by a private image, versions, search", async () => {
  await withStores(async (open) => {
    const store = open();
    const owner = (await store.createAccount({ alias: "acme" })).account.accountId;
    const v1 = testImage(owner, "acme-web-1.0", { creationDate: "2026-01-01T00:00:00.000Z" });
    const v2 = testImage(owner, "acme-web-1.1", { creationDate: "2026-02-01T00:00:00.000Z" });
    for (const i of [v1, v2]) await store.insertImage(i, []);
    await store.putListing(owner, listingOf({ imageId: v1.imageId, name: v1.name }), owner);
    const put = await store.putListing(owner, listingOf({ imageId: v2.imageId, name: v2.name }), owner);
    assert.equal(put.listing.name, "acme-web-1.1");
    assert.equal(put.publishedAt, undefined);

    assert.equal(await store.setListingPublished(v2.imageId, true), false, "the image is private");
    assert.equal((await store.listing(v2.imageId))?.publishedAt, undefined);
    await store.modifyLaunchPermissions(v2.imageId, [{ group: "all" }], []);
    assert.equal(await store.setListingPublished(v2.imageId, true), true);
    assert.ok((await store.listing(v2.imageId))?.publishedAt);
    assert.deepEqual(
      (await store.publishedListings({ name: "WEB-1", limit: 10 })).map((l) => l.imageId),
      [v2.imageId],
    );
    assert.deepEqual(
      await store.publishedListings({ name: "%", limit: 10 }),
      [],
      "LIKE wildcards are literal",
    );
    assert.deepEqual(
      (await store.publishedListings({ os: "debian gnu/linux 12", publisher: "acme", limit: 10 })).length,
      1,
    );
    // Editing a published listing keeps it published.
    await store.putListing(
      owner,
      listingOf({ imageId: v2.imageId, name: v2.name, description: "New." }),
      owner,
    );
    assert.ok((await store.listing(v2.imageId))?.publishedAt);

    // Another connection (another process) making the image private unpublishes the listing.
    await open().modifyLaunchPermissions(v2.imageId, [], [{ group: "all" }]);
    assert.equal((await store.listing(v2.imageId))?.publishedAt, undefined);
    assert.deepEqual(await store.publishedListings({ limit: 10 }), []);
    // Public again: the listing stays unpublished until published again.
    await store.modifyLaunchPermissions(v2.imageId, [{ group: "all" }], []);
    assert.equal((await store.listing(v2.imageId))?.publishedAt, undefined);

    assert.equal(
      (await store.previousListing(owner, "acme-web", v2.imageId, v2.creationDate))?.imageId,
      v1.imageId,
    );
    assert.equal(await store.previousListing(owner, "acme-web", v1.imageId, v1.creationDate), undefined);

    await store.deleteImage(v1.imageId);
    assert.equal(await store.listing(v1.imageId), undefined, "deleted with its image");
  });
});

test("attestations: per image, latest answer kept; publisher URLs per account", async () => {
  await withStores(async (open) => {
    const store = open();
    const owner = (await store.createAccount({})).account.accountId;
    const image = testImage(owner, "x-1");
    await store.insertImage(image, []);
    const at = "2026-03-01T00:00:00.000Z";
    await store.putAttestations(image.imageId, [
      { id: "attest-no-seller-access", answer: "no", comment: "VPN", by: owner, at },
      { id: "attest-no-payment-information", answer: "yes", by: owner, at },
    ]);
    await store.putAttestations(image.imageId, [
      { id: "attest-no-seller-access", answer: "yes", by: owner, at },
    ]);
    assert.deepEqual(Object.fromEntries(await store.attestations(image.imageId)), {
      "attest-no-payment-information": { answer: "yes", by: owner, at },
      "attest-no-seller-access": { answer: "yes", by: owner, at },
    });
    assert.equal(await store.publisher(owner), undefined);
    await store.setPublisher(owner, "https://acme.example.com");
    await store.setPublisher(owner, "https://www.acme.example.com");
    assert.deepEqual(await store.publisher(owner), { url: "https://www.acme.example.com" });
    await store.deleteImage(image.imageId);
    assert.equal((await store.attestations(image.imageId)).size, 0);
  });
});
