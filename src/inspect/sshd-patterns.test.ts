/**
 * sshd Include globs and Match User lists come from the image: a pattern with many stars must not
 * stall the scan (issue #13; the RegExp translations took a minute at 8 stars on 60 characters).
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { memoryImage } from "../../test/support/trees.js";
import { matchMayApply } from "./ssh.js";
import { fnmatchRegExp, globImage, parseSshdConfig } from "./sshd-config.js";

const within = async <T>(ms: number, what: string, f: () => T | Promise<T>): Promise<T> => {
  const started = performance.now();
  const r = await f();
  assert.ok(performance.now() - started < ms, `${what} took ${Math.round(performance.now() - started)} ms`);
  return r;
};

describe("sshd Include globs (fnmatch)", () => {
  it("keep their meaning", () => {
    const rows: Array<[string, string, boolean]> = [
      ["*.conf", "50-cloud-init.conf", true],
      ["*.conf", ".hidden.conf", false],
      [".*.conf", ".hidden.conf", true],
      ["*.conf", "x.conf.bak", false],
      ["[0-5]?-*", "50-x", true],
      ["[!0-5]*", "50-x", false],
      ["[^0-5]*", "x-50", true],
      ["[]x]*", "]50", true],
      ["[", "[", true],
      ["a\\*", "a\\bc", true],
      ["a.conf", "axconf", false],
      ["*", "", true],
      ["?", "", false],
    ];
    for (const [pattern, name, want] of rows)
      assert.equal(fnmatchRegExp(pattern).test(name), want, `${pattern} ~ ${name}`);
  });

  it("30 stars then x against a 10,000-character name and a 255-character file name", async () => {
    const pattern = `${"*".repeat(30)}x`;
    await within(1000, pattern, () => {
      assert.equal(fnmatchRegExp(pattern).test("a".repeat(10_000)), false);
      assert.equal(fnmatchRegExp(`${"*a".repeat(30)}x`).test("a".repeat(10_000)), false);
      assert.equal(fnmatchRegExp(`${"*[a-z]".repeat(30)}x`).test("a".repeat(10_000)), false);
      assert.equal(fnmatchRegExp(`${"*".repeat(30)}x`).test(`${"a".repeat(10_000)}x`), true);
    });
    const long = "a".repeat(250);
    const image = memoryImage({
      "/etc/ssh/sshd_config": [
        `Include /etc/ssh/sshd_config.d/${"*a".repeat(40)}x`,
        `Include sshd_config.d/${"*".repeat(40)}.conf`,
        "",
      ].join("\n"),
      [`/etc/ssh/sshd_config.d/${long}.ext`]: "PermitRootLogin yes\n",
      "/etc/ssh/sshd_config.d/10-x.conf": "PasswordAuthentication no\n",
    });
    assert.deepEqual(
      await within(1000, "globImage", () =>
        globImage({ image, unknown: (p) => assert.fail(p) }, `/etc/ssh/sshd_config.d/${"*a".repeat(40)}x`),
      ),
      [],
    );
    const parsed = await within(2000, "parseSshdConfig", () => parseSshdConfig(image));
    assert.deepEqual(parsed.files, ["/etc/ssh/sshd_config", "/etc/ssh/sshd_config.d/10-x.conf"]);
    assert.deepEqual(parsed.problems, []);
  });
});

describe("sshd Match User pattern lists", () => {
  it("keep their meaning: * ? , ! and literal RegExp characters", () => {
    const rows: Array<[string, string, boolean]> = [
      ["User backup,!root", "backup", true],
      ["User backup,!root", "root", false],
      ["User *,!root", "root", false],
      ["User *,!root", "alice", true],
      ["User a?ice", "alice", true],
      ["User a?ice", "aice", false],
      ["User a.b", "axb", false],
      ["User a.b", "a.b", true],
      ["User [ab]", "a", false],
      ["User [ab]", "[ab]", true],
      ["User ALICE", "alice", false],
      ["Address 10.0.0.0/8", "anyone", true],
      ["User a* Host x", "bob", false],
    ];
    for (const [criteria, user, want] of rows)
      assert.equal(matchMayApply(criteria, user), want, `${criteria} ~ ${user}`);
  });

  it("many stars against a long user name", async () => {
    const user = "a".repeat(10_000);
    await within(1000, "matchMayApply", () => {
      assert.equal(matchMayApply(`User ${"*".repeat(30)}x`, user), false);
      assert.equal(matchMayApply(`User ${"*a".repeat(30)}x`, user), false);
      assert.equal(matchMayApply(`User ${"?*".repeat(30)}x,${"*a".repeat(30)}b`, user), false);
      assert.equal(matchMayApply(`User ${"*a".repeat(30)}x,${"*a".repeat(30)}`, user), true);
    });
  });
});
