import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { sshKeygen } from "../../test/support/keygen.js";
import { parseAuthorizedKeyLine, parseAuthorizedKeys } from "./authorized-keys-format.js";

describe("authorized_keys parsing", () => {
  const types = ["ed25519", "rsa", "ecdsa"] as const;
  for (const type of types) {
    it(`fingerprints a ${type} key exactly as ssh-keygen -lf does`, () => {
      const pair = sshKeygen(type, { comment: `builder@${type}-host` });
      const { keys, invalidLines } = parseAuthorizedKeys(pair.publicKey);
      assert.deepEqual(invalidLines, []);
      assert.equal(keys.length, 1);
      assert.equal(keys[0]!.fingerprint, pair.fingerprint);
      assert.equal(keys[0]!.comment, `builder@${type}-host`);
      assert.equal(keys[0]!.type, pair.publicKey.split(" ")[0]);
    });
  }

  it("splits an options field with quoted spaces and commas from the key", () => {
    const pair = sshKeygen("ed25519", { comment: "deploy key" });
    const line = `from="10.0.0.0/8,192.168.1.1",command="/usr/bin/rsync --server -e.Lsf . /srv",no-pty ${pair.publicKey.trim()}`;
    const key = parseAuthorizedKeyLine(line, 3);
    assert.deepEqual(key, {
      line: 3,
      type: "ssh-ed25519",
      options: 'from="10.0.0.0/8,192.168.1.1",command="/usr/bin/rsync --server -e.Lsf . /srv",no-pty',
      fingerprint: pair.fingerprint,
      comment: "deploy key",
    });
  });

  it("keeps line numbers, skips comments and blanks, and lists lines that are not keys", () => {
    const a = sshKeygen("ed25519");
    const [type, blob] = a.publicKey.split(" ") as [string, string];
    const text = [
      "# managed by hand",
      "",
      a.publicKey.trim(),
      "ssh-rsa not-base64!!",
      `ssh-rsa ${blob}`, // blob says ssh-ed25519: sshd rejects the line
      "   ",
      `${type} ${blob}`,
    ].join("\n");
    const parsed = parseAuthorizedKeys(text);
    assert.deepEqual(
      parsed.keys.map((k) => [k.line, k.type, k.fingerprint]),
      [
        [3, "ssh-ed25519", a.fingerprint],
        [7, "ssh-ed25519", a.fingerprint],
      ],
    );
    assert.deepEqual(parsed.invalidLines, [4, 5]);
  });

  it("accepts certificate key types", () => {
    assert.equal(parseAuthorizedKeyLine("ssh-ed25519-cert-v01@openssh.com AAAA", 1), undefined);
    const blob = Buffer.concat([
      Buffer.from([0, 0, 0, 32]),
      Buffer.from("ssh-ed25519-cert-v01@openssh.com"),
      Buffer.alloc(8),
    ]);
    const key = parseAuthorizedKeyLine(`ssh-ed25519-cert-v01@openssh.com ${blob.toString("base64")} c`, 1);
    assert.equal(key?.type, "ssh-ed25519-cert-v01@openssh.com");
  });
});
