import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { testImage } from "../../../test/support/store.js";
import { imageMatcher, wildcard } from "./filters.js";

const OWNER = "111122223333";

describe("EC2 filter values", () => {
  it("* any run, ? one character, backslash escapes, case-sensitive", () => {
    const rows: Array<[string, string, boolean]> = [
      ["web-*", "web-1.2", true],
      ["web-*", "db-1.2", false],
      ["web-?.2", "web-1.2", true],
      ["web-?.2", "web-10.2", false],
      ["*", "", true],
      ["WEB-*", "web-1", false],
      ["web\\*", "web*", true],
      ["web\\*", "web-1", false],
      ["web\\?", "web?", true],
      ["a\\\\b", "a\\b", true],
      ["a\\", "a\\", true],
      ["a.b", "axb", false],
      ["(x)[y]", "(x)[y]", true],
      ["ubuntu/images/*22.04*", "ubuntu/images/hvm-ssd/ubuntu-jammy-22.04-amd64-server", true],
    ];
    for (const [pattern, value, want] of rows)
      assert.equal(wildcard(pattern).test(value), want, `${pattern} ~ ${value}`);
  });

  it("many stars against a long name answer at once (the RegExp took minutes at 8 stars)", () => {
    const long = testImage(OWNER, "a".repeat(10_000));
    const name60 = testImage(OWNER, `${"web-server-".repeat(5)}amd64-2024`);
    assert.equal(name60.name.length, 65);
    for (const value of [`${"*".repeat(30)}x`, `${"*a".repeat(30)}x`, `${"?*".repeat(30)}x`]) {
      const started = performance.now();
      const matches = imageMatcher([{ name: "name", values: [value] }]);
      assert.equal(matches(long, []), false);
      assert.equal(matches(name60, []), false);
      assert.ok(performance.now() - started < 1000, value);
    }
    assert.equal(imageMatcher([{ name: "name", values: [`${"*".repeat(30)}2024`] }])(name60, []), true);
    assert.equal(imageMatcher([{ name: "name", values: [`${"*e*".repeat(10)}*4`] }])(name60, []), true);
    assert.equal(
      imageMatcher([{ name: "tag:k", values: [`${"*".repeat(30)}x`] }])(long, [
        { key: "k", value: long.name },
      ]),
      false,
    );
  });
});
