import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { parse } from "yaml";
import { memoryImage } from "../../../test/support/trees.js";
import { EC2LAUNCH_V2_RANDOM, windowsChanges } from "../../../test/support/windows-tree.js";
import type { Image } from "../../fs/image.js";
import type { OverlayChange } from "../../fs/overlay.js";
import { imageSession, scan } from "../../scan/session.js";
import { DEFAULT_FIX_OPTIONS } from "../operation.js";
import { planFix, selectOperations } from "../planner.js";
import { applied } from "../testing.js";

/** A fresh scan session's facts for one image at "/": what the fix planner plans from. */
const factsOf = (image: Image) => imageSession(image).roots[0]!.facts;

const ADMIN_B64 = Buffer.from("Passw0rd!AdministratorPassword", "utf16le").toString("base64");
const UNATTEND = `<?xml version="1.0" encoding="utf-8"?>
<unattend xmlns="urn:schemas-microsoft-com:unattend">
  <settings pass="oobeSystem">
    <component name="Microsoft-Windows-Shell-Setup">
      <UserAccounts>
        <AdministratorPassword>
          <Value>${ADMIN_B64}</Value>
          <PlainText>false</PlainText>
        </AdministratorPassword>
      </UserAccounts>
    </component>
  </settings>
</unattend>
`;
const PROCESSED = UNATTEND.replace(ADMIN_B64, "*SENSITIVE*DATA*DELETED*");
const STATIC = EC2LAUNCH_V2_RANDOM.replace(
  "        type: random\n",
  "        type: static\n        data: Sup3rSecret!\n      name: Administrator\n",
);
const HISTORY =
  "/Users/Administrator/AppData/Roaming/Microsoft/Windows/PowerShell/PSReadLine/ConsoleHost_history.txt";

const files: Record<string, OverlayChange | string> = {
  [HISTORY]: "Set-LocalUser -Password (ConvertTo-SecureString 'x' -AsPlainText -Force)\n",
  "/Windows/Panther/Unattend.xml": UNATTEND,
  "/Windows/System32/Sysprep/unattend.xml": PROCESSED,
  "/ProgramData/Amazon/EC2Launch/config/agent-config.yml": STATIC,
};

describe("Windows operations on a Windows volume tree", () => {
  it("truncate PSReadLine, remove answer files with passwords, make EC2Launch's password random", async () => {
    const tree = windowsChanges({ files });
    const plan = await planFix(factsOf(memoryImage(tree)), DEFAULT_FIX_OPTIONS, selectOperations({}));
    assert.equal(plan.os, "windows");
    assert.deepEqual(
      plan.changes.map((c) => `${c.operation} ${c.action} ${c.path}`),
      [
        `windows-psreadline truncate ${HISTORY}`,
        "windows-unattend remove /Windows/Panther/Unattend.xml",
        "windows-ec2launch-password replace /ProgramData/Amazon/EC2Launch/config/agent-config.yml",
      ],
    );
    const agent = plan.changes[2];
    assert.ok(agent?.action === "replace");
    const doc = parse(agent.content.toString()) as {
      config: Array<{ tasks: Array<{ task: string; inputs?: { password?: unknown } }> }>;
    };
    const task = doc.config.flatMap((s) => s.tasks).find((t) => t.task === "setAdminAccount");
    assert.deepEqual(task?.inputs?.password, { type: "random" });
    assert.doesNotMatch(agent.content.toString(), /Sup3rSecret/);

    const before = await scan({ input: "t", kind: "directory", description: "t" }, [
      { root: "/", image: memoryImage(tree) },
    ]);
    const fixedTree = applied(tree, plan);
    const after = await scan({ input: "t", kind: "directory", description: "t" }, [
      { root: "/", image: memoryImage(fixedTree) },
    ]);
    const rules = ["win-psreadline-history", "win-fixed-admin-password", "win-saved-passwords"];
    for (const r of rules)
      assert.ok(
        before.findings.some((f) => f.rule === r),
        `seeded tree lacks ${r}`,
      );
    assert.deepEqual(
      after.findings.filter((f) => rules.includes(f.rule)).map((f) => f.rule),
      [],
    );

    const again = await planFix(factsOf(memoryImage(fixedTree)), DEFAULT_FIX_OPTIONS, selectOperations({}));
    assert.deepEqual(again.changes, []);
  });

  it("Linux operations do not run on a Windows tree, nor Windows ones on Linux", async () => {
    const plan = await planFix(
      factsOf(memoryImage(windowsChanges({ files }))),
      DEFAULT_FIX_OPTIONS,
      selectOperations({}),
    );
    assert.ok(plan.operations.every((id) => id.startsWith("windows-")));
    const linux = await planFix(
      factsOf(memoryImage({ "/etc/passwd": "root:x:0:0::/root:/bin/bash\n", [HISTORY]: "x\n" })),
      DEFAULT_FIX_OPTIONS,
      selectOperations({}),
    );
    assert.ok(!linux.operations.some((id) => id.startsWith("windows-")));
  });
});
