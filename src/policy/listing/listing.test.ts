import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { GOOD_LISTING } from "../../../test/support/listing-tester.js";
import { LISTING_LIMITS, ListingFormatError, parseListing } from "./listing.js";

describe("parseListing", () => {
  it("reads the template's fields; ports as people write them", () => {
    const l = parseListing({
      ...GOOD_LISTING,
      listeningPorts: ["22/tcp", 443, { port: 53, protocol: "udp", service: "dns" }],
    });
    assert.equal(l.publisher.url, "https://acme.example.com");
    assert.deepEqual(l.listeningPorts, [
      { port: 22, protocol: "tcp" },
      { port: 443, protocol: "tcp" },
      { port: 53, protocol: "udp", service: "dns" },
    ]);
  });

  it("leaves missing fields empty (the checks report them), numbers written as text", () => {
    const l = parseListing({ version: 1.4, keyFeatures: "one feature" });
    assert.deepEqual(
      [l.imageId, l.name, l.version, l.keyFeatures, l.services],
      ["", "", "1.4", ["one feature"], []],
    );
  });

  it("package counts: optional, the split sorted by package manager, a total alone allowed", () => {
    assert.equal(parseListing({}).packages, undefined);
    assert.equal("packages" in parseListing({ packages: null }), false);
    assert.deepEqual(parseListing({ packages: { total: 5, byEcosystem: { rpm: 2, dpkg: 3 } } }).packages, {
      total: 5,
      byEcosystem: { dpkg: 3, rpm: 2 },
    });
    assert.deepEqual(parseListing({ packages: { total: 5 } }).packages, { total: 5, byEcosystem: {} });
  });

  it("takes the image id from the catalogue and refuses another", () => {
    assert.equal(parseListing({}, "ami-0123456789abcdef0").imageId, "ami-0123456789abcdef0");
    assert.throws(
      () => parseListing({ imageId: "ami-01234567" }, "ami-0123456789abcdef0"),
      /belongs to ami-0123456789abcdef0/,
    );
  });

  for (const [name, doc, field] of [
    ["a typo'd field", { descripton: "x" }, "descripton"],
    ["a nested unknown field", { publisher: { name: "a", email: "x" } }, "publisher.email"],
    ["a list where text belongs", { description: ["x"] }, "description"],
    ["a bad AMI ID", { imageId: "ami-xyz" }, "imageId"],
    ["a port out of range", { listeningPorts: [70000] }, "listeningPorts[0].port"],
    ["a bad date", { releaseNotes: { date: "yesterday" } }, "releaseNotes.date"],
    ["an oversized description", { description: "x".repeat(LISTING_LIMITS.longText + 1) }, "description"],
    [
      "too many services",
      { services: Array.from({ length: LISTING_LIMITS.listItems + 1 }, (_, i) => `s${i}`) },
      "services",
    ],
    ["not a mapping", ["x"], "(listing)"],
    ["a package count as a list", { packages: [173] }, "packages"],
    ["a package total that is not a count", { packages: { total: 1.5 } }, "packages.total"],
    [
      "a negative package count",
      { packages: { total: 1, byEcosystem: { dpkg: -1 } } },
      "packages.byEcosystem.dpkg",
    ],
    ["a split that does not add up", { packages: { total: 4, byEcosystem: { dpkg: 3 } } }, "packages.total"],
    [
      "a package manager that is no name",
      { packages: { total: 1, byEcosystem: { "D PKG": 1 } } },
      "packages.byEcosystem.D PKG",
    ],
    ["an unknown packages field", { packages: { total: 1, names: [] } }, "packages.names"],
  ] as const)
    it(`refuses ${name}, naming the field`, () => {
      assert.throws(
        () => parseListing(doc),
        (e: unknown) => e instanceof ListingFormatError && e.field === field,
      );
    });
});
