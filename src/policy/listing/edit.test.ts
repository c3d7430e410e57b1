import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { listingOf } from "../../../test/support/listing-tester.js";
import { applyFieldEdits, parseFieldEdit } from "./edit.js";
import { ListingFormatError } from "./listing.js";

describe("listing field edits", () => {
  it("set text fields, replace a list with repeated --set, append with --add", () => {
    const l = applyFieldEdits(listingOf(), [
      parseFieldEdit("publisher.url=https://a.example.org/x?y=1"),
      parseFieldEdit("keyFeatures=one"),
      parseFieldEdit("keyFeatures=two"),
      parseFieldEdit("listeningPorts=8080/tcp", true),
      parseFieldEdit("releaseNotes.date=2026-04-01"),
    ]);
    assert.equal(l.publisher.url, "https://a.example.org/x?y=1");
    assert.deepEqual(l.keyFeatures, ["one", "two"]);
    assert.deepEqual(
      l.listeningPorts.map((p) => p.port),
      [22, 443, 8080],
    );
    assert.equal(l.releaseNotes.date, "2026-04-01");
  });

  it("an empty --set clears a list", () => {
    assert.deepEqual(applyFieldEdits(listingOf(), [parseFieldEdit("services=")]).services, []);
  });

  for (const [text, add, field] of [
    ["descripton=x", false, "descripton"],
    ["name", false, "name"],
    ["name=x", true, "name"],
  ] as const)
    it(`refuses ${text}${add ? " (--add)" : ""}`, () => {
      assert.throws(
        () => parseFieldEdit(text, add),
        (e: unknown) => e instanceof ListingFormatError && e.field === field,
      );
    });

  it("the result is checked like any listing", () => {
    assert.throws(
      () => applyFieldEdits(listingOf(), [parseFieldEdit("releaseNotes.date=soon")]),
      ListingFormatError,
    );
  });
});
