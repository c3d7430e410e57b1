import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { debianImage } from "../../../test/support/trees.js";
import type { Image } from "../../fs/image.js";
import type { OverlayChange } from "../../fs/overlay.js";
import { imageSession, scan } from "../../scan/session.js";
import { DEFAULT_FIX_OPTIONS } from "../operation.js";
import { planFix, selectOperations } from "../planner.js";
import { applied } from "../testing.js";

/** A fresh scan session's facts for one image at "/": what the fix planner plans from. */
const factsOf = (image: Image) => imageSession(image).roots[0]!.facts;

const OPS = selectOperations({ only: ["sshd-password-auth", "sshd-root-login"] });
const RULES = ["ssh-password-auth", "ssh-root-login"];

async function findings(changes: Record<string, OverlayChange | string>): Promise<string[]> {
  const r = await scan({ input: "t", kind: "directory", description: "t" }, [
    { root: "/", image: debianImage(changes) },
  ]);
  return r.findings.filter((f) => RULES.includes(f.rule)).map((f) => `${f.rule} ${f.path}:${f.line}`);
}

/** Each tree: where the winning setting is, and what fix must write. */
const CASES: Array<{ name: string; changes: Record<string, OverlayChange | string>; expect: string[] }> = [
  {
    name: "winning lines in a drop-in: edited there",
    changes: {
      "/etc/ssh/sshd_config.d/60-amigate-baseline.conf": "PasswordAuthentication yes\nPermitRootLogin yes\n",
    },
    expect: [
      "replace /etc/ssh/sshd_config.d/60-amigate-baseline.conf",
      "replace /etc/ssh/sshd_config.d/60-amigate-baseline.conf",
    ],
  },
  {
    name: "unset everywhere, main file includes sshd_config.d: a drop-in sorting first",
    changes: { "/etc/ssh/sshd_config.d/60-amigate-baseline.conf": { type: "deleted" } },
    expect: ["create /etc/ssh/sshd_config.d/00-amigate.conf"],
  },
  {
    name: "no Include at all, values in the main file: edited in place",
    changes: {
      "/etc/ssh/sshd_config": "Port 22\nPasswordAuthentication yes\nPermitRootLogin yes\nUsePAM no\n",
    },
    expect: ["replace /etc/ssh/sshd_config", "replace /etc/ssh/sshd_config"],
  },
  {
    name: "no Include and unset: inserted at the top of the main file",
    changes: { "/etc/ssh/sshd_config": "Port 22\nUsePAM no\nMatch User x\n  X11Forwarding no\n" },
    expect: ["replace /etc/ssh/sshd_config"],
  },
  {
    name: "a drop-in sorting before ours sets yes: that line is the winner and is edited",
    changes: {
      "/etc/ssh/sshd_config.d/60-amigate-baseline.conf": { type: "deleted" },
      "/etc/ssh/sshd_config.d/00-aaa.conf": "# vendor\npasswordauthentication=yes\n",
    },
    // PermitRootLogin unset: OpenSSH's default prohibit-password is already right.
    expect: ["replace /etc/ssh/sshd_config.d/00-aaa.conf"],
  },
];

describe("sshd settings are written where they win", () => {
  for (const c of CASES) {
    it(c.name, async () => {
      assert.notDeepEqual(await findings(c.changes), [], "the tree must fail before the fix");
      const plan = await planFix(factsOf(debianImage(c.changes)), DEFAULT_FIX_OPTIONS, OPS);
      assert.deepEqual(
        plan.changes.map((x) => `${x.action} ${x.path}`),
        c.expect,
      );
      assert.deepEqual(await findings(applied(c.changes, plan)), []);
    });
  }

  it("the same file edited by both operations ends with both settings", async () => {
    const changes = { "/etc/ssh/sshd_config": "Port 22\nUsePAM no\n" };
    const plan = await planFix(
      factsOf(debianImage(changes)),
      { ...DEFAULT_FIX_OPTIONS, rootLogin: "no" },
      OPS,
    );
    const last = plan.changes.at(-1);
    assert.ok(last?.action === "replace");
    assert.equal(
      last.content.toString(),
      "PermitRootLogin no\nPasswordAuthentication no\nPort 22\nUsePAM no\n",
    );
    // The second edit's `before` is the first edit's result: the executor applies them in turn.
    assert.equal(plan.changes.length, 2);
  });
});
