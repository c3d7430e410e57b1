import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { type IgnoreEntry, matchIgnore, parseIgnoreFile, splitExpired } from "./ignore.js";
import type { Finding } from "./result.js";

const finding = (rule: string, path?: string): Finding => ({
  rule,
  title: rule,
  clauses: [],
  severity: "high",
  messageId: "m",
  message: "m",
  data: {},
  remediation: "r",
  fixable: false,
  root: "/",
  ...(path !== undefined ? { path } : {}),
});

const accepts = (glob: string, path: string) =>
  matchIgnore([{ rule: "r", path: glob, reason: "because" }], finding("r", path)) !== undefined;

describe("ignore file", () => {
  it("matches the rule, and the path glob when there is one", async () => {
    const entries = await parseIgnoreFile(
      [
        "- rule: ssh-host-keys-present",
        "  path: /etc/ssh/ssh_host_*     # optional glob",
        "  reason: regenerated at first boot by our own unit",
        "- rule: shell-history",
        "  reason: all of them",
        "",
      ].join("\n"),
      "accepted.yaml",
    );
    assert.equal(
      matchIgnore(entries, finding("ssh-host-keys-present", "/etc/ssh/ssh_host_rsa_key")),
      entries[0],
    );
    assert.equal(matchIgnore(entries, finding("ssh-host-keys-present", "/etc/ssh/sshd_config")), undefined);
    assert.equal(matchIgnore(entries, finding("ssh-host-keys-present")), undefined);
    assert.equal(matchIgnore(entries, finding("shell-history", "/root/.bash_history")), entries[1]);
    assert.equal(matchIgnore(entries, finding("other", "/etc/ssh/ssh_host_rsa_key")), undefined);
  });

  it("path globs: * and ? within a component, ** any depth, classes, dot files", () => {
    const rows: Array<[string, string, boolean]> = [
      ["/etc/ssh/ssh_host_*", "/etc/ssh/ssh_host_ed25519_key.pub", true],
      ["/etc/ssh/ssh_host_*", "/etc/ssh/keys/ssh_host_rsa_key", false],
      ["/marker/*", "/marker/critical", true],
      ["/home/*/.aws/credentials", "/home/admin/.aws/credentials", true],
      ["/home/*/.aws/credentials", "/home/a/b/.aws/credentials", false],
      ["/home/**/credentials", "/home/a/b/.aws/credentials", true],
      ["/home/**", "/home/a/.bash_history", true],
      ["**/.env", "/srv/app/.env", true],
      ["/root/.*_history", "/root/.bash_history", true],
      ["/root/*", "/root/.bash_history", true],
      ["/etc/ssh/ssh_host_?sa_key", "/etc/ssh/ssh_host_rsa_key", true],
      ["/etc/ssh/ssh_host_[rd]sa_key", "/etc/ssh/ssh_host_dsa_key", true],
      ["/etc/ssh/ssh_host_[!r]sa_key", "/etc/ssh/ssh_host_rsa_key", false],
      ["/etc/shadow", "/etc/shadow", true],
      ["/etc/shadow", "/etc/shadow-", false],
      ["/etc/shadow*", "/etc/shadow-", true],
    ];
    for (const [glob, path, want] of rows) assert.equal(accepts(glob, path), want, `${glob} ~ ${path}`);
  });

  it("a glob with many stars answers at once (picomatch took minutes)", () => {
    const started = performance.now();
    const deep = `/${"a".repeat(5000)}/${"a/".repeat(500)}y`;
    assert.equal(accepts(`/${"*a".repeat(30)}x`, `/${"a".repeat(10_000)}`), false);
    assert.equal(accepts(`${"*".repeat(30)}x`, `/${"a".repeat(10_000)}`), false);
    assert.equal(accepts(`/${"**/a/".repeat(20)}x`, deep), false);
    assert.equal(accepts(`/${"**/*a".repeat(20)}x`, deep), false);
    assert.equal(accepts(`/${"*a".repeat(30)}`, `/${"a".repeat(10_000)}`), true);
    assert.ok(performance.now() - started < 1000, `${Math.round(performance.now() - started)} ms`);
  });

  it("entries without a path accept every finding of their rule", () => {
    const e: IgnoreEntry = { rule: "r", reason: "because" };
    assert.equal(matchIgnore([e], finding("r", "/anything")), e);
    assert.equal(matchIgnore([e], finding("r")), e);
  });
});

describe("ignore file: rule ids, lines and expiry", () => {
  const known = new Set(["ssh-host-keys-present", "shell-history-present"]);
  const text = [
    "# accepted for the 1.4 release",
    "- rule: ssh-host-keys-present",
    "  reason: regenerated at first boot",
    "  expires: 2026-12-31",
    "",
    "- rule: shell-history-present",
    "  path: /root/.bash_history",
    "  reason: the build's own",
    "",
  ].join("\n");

  it("each entry knows its line and expiry date", async () => {
    const entries = await parseIgnoreFile(text, ".amigateignore.yaml", { knownRules: known });
    assert.deepEqual(
      entries.map((e) => [e.rule, e.line, e.expires]),
      [
        ["ssh-host-keys-present", 2, "2026-12-31"],
        ["shell-history-present", 6, undefined],
      ],
    );
  });

  it("an entry applies through its expiry date and not after", async () => {
    const entries = await parseIgnoreFile(text, "f", { knownRules: known });
    const on = (d: string) => splitExpired(entries, new Date(`${d}T00:00:00Z`));
    assert.equal(on("2026-12-31").active.length, 2);
    assert.deepEqual(
      on("2027-01-01").expired.map((e) => e.rule),
      ["ssh-host-keys-present"],
    );
    assert.deepEqual(
      on("2027-01-01").active.map((e) => e.rule),
      ["shell-history-present"],
    );
  });

  it("errors name the file and line: an unknown rule id, a bad date, YAML that does not parse", async () => {
    await assert.rejects(
      parseIgnoreFile(text.replace("shell-history-present", "shell-histroy"), "ci/.amigateignore.yaml", {
        knownRules: known,
      }),
      {
        name: "IgnoreFileError",
        message: 'ci/.amigateignore.yaml:6: unknown rule id "shell-histroy" (amigate policy lists the rules)',
      },
    );
    for (const bad of ["2026-13-01", "31.12.2026", "2026-02-30"])
      await assert.rejects(parseIgnoreFile(text.replace("2026-12-31", bad), "f", { knownRules: known }), {
        message: "f:2: entry 1 (ssh-host-keys-present) expires must be a date as YYYY-MM-DD",
      });
    await assert.rejects(parseIgnoreFile("- rule: [unclosed\n", "f"), {
      message: /^f:2: not valid YAML \(Flow sequence[^)]*\)$/,
    });
    // The mapping form (ignore: [...]) has lines too.
    const mapped = await parseIgnoreFile(`ignore:\n  - rule: nope\n    reason: x\n`, "m", {
      knownRules: known,
    }).catch((e: Error) => e.message);
    assert.equal(mapped, 'm:2: unknown rule id "nope" (amigate policy lists the rules)');
  });
});
