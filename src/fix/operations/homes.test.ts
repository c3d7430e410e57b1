import assert from "node:assert/strict";
import { test } from "node:test";
import { debianImage } from "../../../test/support/trees.js";
import { imageSession } from "../../scan/session.js";
import { DEFAULT_FIX_OPTIONS } from "../operation.js";
import { planFix, selectOperations } from "../planner.js";

test("a home left in /home by an account no longer in passwd is cleaned like any home, and the scan reports it first", async () => {
  const image = debianImage({
    "/home/packer/.bash_history": "sudo apt-get install -y nginx\n",
    "/home/packer/.ssh/authorized_keys": "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHbuild packer@build\n",
  });
  const session = imageSession(image);
  const report = await session.result();
  const reported = report.findings.map((f) => `${f.rule} ${f.path}`);
  assert.ok(reported.includes("shell-history /home/packer/.bash_history"), reported.join("\n"));
  assert.ok(
    reported.includes("authorized-keys-present /home/packer/.ssh/authorized_keys"),
    reported.join("\n"),
  );
  const plan = await planFix(
    session.roots[0]!.facts,
    DEFAULT_FIX_OPTIONS,
    selectOperations({ only: ["histories", "ssh-authorized-keys"] }),
  );
  assert.deepEqual(
    plan.changes.map((c) => `${c.action} ${c.path}`).filter((c) => c.includes("/home/packer")),
    ["truncate /home/packer/.bash_history", "remove /home/packer/.ssh/authorized_keys"],
  );
});
