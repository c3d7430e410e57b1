/**
 * End to end over the real Debian rootfs: the clean baseline passes every rule, and the mistakes
 * sellers were really rejected for, seeded one at a time, each give exactly the expected rule and
 * clauses (issue 2's list).
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { OverlayChange } from "../src/fs/overlay.js";
import { scan } from "../src/scan/session.js";
import { debianText, withField } from "./support/debian-files.js";
import { debianImage } from "./support/trees.js";

/** Reports are reproducible with a fixed date; on this one Debian 12 is still in regular support. */
const AS_OF = new Date("2026-03-01T00:00:00Z");
const TARGET = { input: "debian", kind: "directory", description: "Debian bookworm rootfs" };
const SHA512 =
  "$6$rounds=5000$saltsalt$Rb3wWq5p0bXh0Vh8Q6cYHcF4d6TqkB5mEfaVbG0G6o3pQx0WmX9Yp1Jm0Q2b3C4d5E6f7G8h9I0j1K2l3M4n5/";

async function findingsFor(changes: Record<string, OverlayChange | string>) {
  const result = await scan(TARGET, [{ root: "/", image: debianImage(changes) }], { now: AS_OF });
  return result;
}

describe("scan of the real Debian rootfs", () => {
  it("passes with no finding and no unreadable file when clean", async () => {
    const result = await findingsFor({});
    assert.deepEqual(
      result.findings.map((f) => `${f.rule} ${f.path ?? ""} ${f.message}`),
      [],
    );
    assert.deepEqual(result.unknowns, []);
    assert.equal(result.passed, true);
    assert.equal(result.roots[0]?.os.id, "debian");
    assert.ok(
      result.attestations.length > 0 && result.attestations.every((a) => a.status === "needs-statement"),
    );
  });

  const seeded: Array<{
    name: string;
    changes: () => Record<string, OverlayChange | string>;
    rules: string[];
    clauses: string[];
  }> = [
    {
      name: "a password hash for a login user",
      changes: () => ({ "/etc/shadow": withField(debianText("/etc/shadow"), "admin", 1, SHA512) }),
      rules: ["password-hash-login-user"],
      clauses: ["ACC-2", "SEC-3", "SHR-3"],
    },
    {
      name: "an empty root password field",
      changes: () => ({ "/etc/shadow": withField(debianText("/etc/shadow"), "root", 1, "") }),
      rules: ["root-password-blank"],
      clauses: ["LNX-2"],
    },
    {
      name: "PasswordAuthentication yes in an included drop-in",
      changes: () => ({ "/etc/ssh/sshd_config.d/50-cloud-init.conf": "PasswordAuthentication yes\n" }),
      rules: ["ssh-password-auth"],
      clauses: ["SEC-7", "SEC-3"],
    },
    {
      name: "ssh_pwauth: true in cloud-init",
      changes: () => ({ "/etc/cloud/cloud.cfg.d/90-pw.cfg": "ssh_pwauth: true\n" }),
      rules: ["cloud-init-password-auth"],
      clauses: ["SEC-3", "SEC-7", "LNX-1"],
    },
    {
      name: "PermitRootLogin yes in the main file before the Include",
      changes: () => ({
        "/etc/ssh/sshd_config": `PermitRootLogin yes\n${debianText("/etc/ssh/sshd_config")}`,
      }),
      rules: ["ssh-root-login"],
      clauses: ["LNX-1"],
    },
  ];

  for (const c of seeded) {
    it(`finds ${c.name}`, async () => {
      const result = await findingsFor(c.changes());
      assert.deepEqual([...new Set(result.findings.map((f) => f.rule))], c.rules);
      assert.deepEqual(result.findings[0]?.clauses, c.clauses);
      assert.equal(result.passed, false);
    });
  }
});
