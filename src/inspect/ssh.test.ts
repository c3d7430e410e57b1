import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { debianImage, memoryImage } from "../../test/support/trees.js";
import type { Image } from "../fs/image.js";
import { DEFAULT_INSPECT_OPTIONS, FactStore } from "./context.js";
import { inspectorsByName } from "./registry.js";
import type { SshdFacts } from "./ssh.js";
import { fnmatchRegExp, tokenizeLine } from "./sshd-config.js";

async function sshd(image: Image): Promise<{ facts: SshdFacts; unknowns: string[] }> {
  const store = new FactStore(image, inspectorsByName, DEFAULT_INSPECT_OPTIONS);
  const facts = await store.get("sshd");
  return { facts, unknowns: store.unknowns.map((u) => `${u.path}: ${u.error}`) };
}

const where = (facts: SshdFacts, k: string) => {
  const s = facts.get(k)!;
  return `${s.value}@${s.path ?? "default"}:${s.line ?? 0}`;
};

describe("sshd_config tokenizer", () => {
  it("splits keyword and arguments like sshd", () => {
    assert.deepEqual(tokenizeLine("  PasswordAuthentication yes", 1), {
      keyword: "passwordauthentication",
      written: "PasswordAuthentication",
      args: ["yes"],
      line: 1,
      rest: "yes",
    });
    assert.deepEqual((tokenizeLine("PermitRootLogin=no", 2) as { args: string[] }).args, ["no"]);
    assert.deepEqual((tokenizeLine("PermitRootLogin = no # trailing", 2) as { args: string[] }).args, ["no"]);
    assert.deepEqual(
      (tokenizeLine('AuthorizedKeysFile "/etc/ssh/keys/%u with space" .ssh/k', 3) as { args: string[] }).args,
      ["/etc/ssh/keys/%u with space", ".ssh/k"],
    );
    assert.equal(tokenizeLine("   # comment", 4), undefined);
    assert.equal(tokenizeLine("\t", 5), undefined);
    assert.deepEqual(tokenizeLine('Banner "unterminated', 6), { error: "invalid quotes" });
  });

  it("matches glob(3) components", () => {
    assert.ok(fnmatchRegExp("*.conf").test("50-cloud-init.conf"));
    assert.ok(!fnmatchRegExp("*.conf").test(".hidden.conf"));
    assert.ok(!fnmatchRegExp("*.conf").test("x.conf.bak"));
    assert.ok(fnmatchRegExp("[0-5]?-*").test("50-x"));
    assert.ok(!fnmatchRegExp("[!0-5]*").test("50-x"));
  });
});

describe("sshd effective configuration", () => {
  it("applies OpenSSH defaults when nothing is set", async () => {
    const { facts } = await sshd(memoryImage({ "/etc/ssh/sshd_config": "# empty\n" }));
    assert.equal(facts.installed, true);
    assert.equal(where(facts, "PasswordAuthentication"), "yes@default:0");
    assert.equal(where(facts, "permitrootlogin"), "prohibit-password@default:0");
    assert.equal(where(facts, "UsePAM"), "no@default:0");
    assert.equal(facts.get("ChallengeResponseAuthentication")!.keyword, "KbdInteractiveAuthentication");
    assert.deepEqual(facts.authorizedKeysFiles({ name: "bob", home: "/home/bob" }), [
      "/home/bob/.ssh/authorized_keys",
      "/home/bob/.ssh/authorized_keys2",
    ]);
  });

  it("is not installed without binary or configuration", async () => {
    const { facts } = await sshd(memoryImage({ "/etc/hostname": "x\n" }));
    assert.equal(facts.installed, false);
    assert.deepEqual(facts.files, []);
  });

  it("lets a drop-in included at the top win over a later line of the main file", async () => {
    const { facts } = await sshd(
      memoryImage({
        "/etc/ssh/sshd_config": "Include /etc/ssh/sshd_config.d/*.conf\nPASSWORDAUTHENTICATION no\n",
        "/etc/ssh/sshd_config.d/50-cloud-init.conf": "PasswordAuthentication yes\n",
        "/etc/ssh/sshd_config.d/10-first.conf": "PermitRootLogin=No\n",
        "/etc/ssh/sshd_config.d/99-last.conf": "PermitRootLogin yes\n",
        "/etc/ssh/sshd_config.d/ignored.txt": "PermitEmptyPasswords yes\n",
      }),
    );
    assert.deepEqual(facts.files, [
      "/etc/ssh/sshd_config",
      "/etc/ssh/sshd_config.d/10-first.conf",
      "/etc/ssh/sshd_config.d/50-cloud-init.conf",
      "/etc/ssh/sshd_config.d/99-last.conf",
    ]);
    assert.equal(where(facts, "passwordauthentication"), "yes@/etc/ssh/sshd_config.d/50-cloud-init.conf:1");
    assert.equal(where(facts, "PermitRootLogin"), "no@/etc/ssh/sshd_config.d/10-first.conf:1");
    assert.deepEqual(
      facts.all("PasswordAuthentication").map((s) => `${s.value}@${s.path}:${s.line}`),
      ["yes@/etc/ssh/sshd_config.d/50-cloud-init.conf:1", "no@/etc/ssh/sshd_config:2"],
    );
    assert.equal(where(facts, "PermitEmptyPasswords"), "no@default:0");
  });

  it("resolves relative and nested includes against /etc/ssh", async () => {
    const { facts } = await sshd(
      memoryImage({
        "/etc/ssh/sshd_config": "Include extra/a.conf\nUsePAM no\n",
        "/etc/ssh/extra/a.conf": "Include /etc/ssh/extra/b.conf\n",
        "/etc/ssh/extra/b.conf": "UsePAM yes\n",
      }),
    );
    assert.deepEqual(facts.files, ["/etc/ssh/sshd_config", "/etc/ssh/extra/a.conf", "/etc/ssh/extra/b.conf"]);
    assert.equal(where(facts, "UsePAM"), "yes@/etc/ssh/extra/b.conf:1");
  });

  it("bounds an include loop: sshd refuses it", async () => {
    const { facts, unknowns } = await sshd(
      memoryImage({ "/etc/ssh/sshd_config": "PasswordAuthentication no\nInclude sshd_config\n" }),
    );
    assert.equal(facts.files.length, 17);
    assert.equal(where(facts, "PasswordAuthentication"), "no@/etc/ssh/sshd_config:1");
    assert.deepEqual(unknowns, []);
    assert.deepEqual(facts.refused, {
      path: "/etc/ssh/sshd_config",
      line: 2,
      reason: "Too many recursive configuration includes (more than 16)",
    });
  });

  it("records Match blocks as conditional, including through an Include", async () => {
    const { facts } = await sshd(
      memoryImage({
        "/etc/ssh/sshd_config": [
          "PasswordAuthentication no",
          "Match User backup,!root",
          "  PasswordAuthentication yes",
          "  Include match.d/*.conf",
          "  AuthorizedKeysFile /etc/ssh/keys/%u",
          "Match all",
          "PermitRootLogin yes",
          "",
        ].join("\n"),
        "/etc/ssh/match.d/x.conf": "PermitEmptyPasswords yes\nMatch Address 10.0.0.0/8\nX11Forwarding yes\n",
      }),
    );
    assert.deepEqual(
      facts.conditional.map((c) => `${c.match}|${c.keyword}=${c.value}@${c.path}:${c.line}`),
      [
        "User backup,!root|PasswordAuthentication=yes@/etc/ssh/sshd_config:3",
        "User backup,!root|PermitEmptyPasswords=yes@/etc/ssh/match.d/x.conf:1",
        // The included file's Match block applies only where the includer's block matches too.
        "User backup,!root and Match Address 10.0.0.0/8|X11Forwarding=yes@/etc/ssh/match.d/x.conf:3",
        "User backup,!root|AuthorizedKeysFile=/etc/ssh/keys/%u@/etc/ssh/sshd_config:5",
      ],
    );
    assert.equal(where(facts, "PasswordAuthentication"), "no@/etc/ssh/sshd_config:1");
    assert.equal(where(facts, "PermitRootLogin"), "yes@/etc/ssh/sshd_config:7");
    assert.equal(facts.get("PermitRootLogin")!.matchAll, true);
    assert.deepEqual(facts.authorizedKeysFiles({ name: "backup", home: "/var/backups" }), [
      "/var/backups/.ssh/authorized_keys",
      "/var/backups/.ssh/authorized_keys2",
      "/etc/ssh/keys/backup",
    ]);
    assert.deepEqual(facts.authorizedKeysFiles({ name: "root", home: "/root" }), [
      "/root/.ssh/authorized_keys",
      "/root/.ssh/authorized_keys2",
    ]);
  });

  it("lets a Match all value override an earlier global value", async () => {
    const { facts } = await sshd(
      memoryImage({
        "/etc/ssh/sshd_config": "PasswordAuthentication no\nMatch all\nPasswordAuthentication yes\n",
      }),
    );
    assert.equal(where(facts, "PasswordAuthentication"), "yes@/etc/ssh/sshd_config:3");
  });

  it("takes the first AuthorizedKeysFile line as a whole and expands tokens", async () => {
    const { facts } = await sshd(
      memoryImage({
        "/etc/ssh/sshd_config":
          "AuthorizedKeysFile .ssh/k1 /etc/ssh/keys/%U/%u 100%%/%h/x\nAuthorizedKeysFile .ssh/other\n",
      }),
    );
    assert.deepEqual(facts.authorizedKeysFiles({ name: "ann", home: "/home/ann/", uid: 1001 }), [
      "/home/ann/.ssh/k1",
      "/etc/ssh/keys/1001/ann",
      "/home/ann/100%//home/ann//x",
    ]);
    // %U cannot be expanded without a uid: that pattern is left out.
    assert.deepEqual(facts.authorizedKeysFiles({ name: "ann", home: "/home/ann" }).length, 2);
    const none = await sshd(memoryImage({ "/etc/ssh/sshd_config": "AuthorizedKeysFile none\n" }));
    assert.deepEqual(none.facts.authorizedKeysFiles({ name: "ann", home: "/home/ann" }), []);
  });

  it("reads the real Debian rootfs: drop-in wins, Debian's UsePAM yes", async () => {
    const { facts, unknowns } = await sshd(debianImage());
    assert.deepEqual(unknowns, []);
    assert.equal(facts.installed, true);
    assert.deepEqual(facts.files, [
      "/etc/ssh/sshd_config",
      "/etc/ssh/sshd_config.d/60-amigate-baseline.conf",
    ]);
    assert.equal(
      where(facts, "PasswordAuthentication"),
      "no@/etc/ssh/sshd_config.d/60-amigate-baseline.conf:1",
    );
    assert.equal(
      where(facts, "PermitRootLogin"),
      "prohibit-password@/etc/ssh/sshd_config.d/60-amigate-baseline.conf:2",
    );
    assert.equal(facts.get("UsePAM")!.value, "yes");
    assert.equal(facts.get("KbdInteractiveAuthentication")!.value, "no");
    assert.deepEqual(facts.conditional, []);
  });
});
