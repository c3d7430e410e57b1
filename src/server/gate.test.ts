/**
 * The scan gate with real scan reports: the seeded Debian rootfs (real findings) and the clean one,
 * scanned by the worker's own function (runScanJob) over the fixture directories.
 */
import assert from "node:assert/strict";
import path from "node:path";
import { after, before, test } from "node:test";
import { member, type TestCatalogue, testCatalogue } from "../../test/support/catalogue.js";
import { amigate } from "../../test/support/server-process.js";
import { debianRootfsPath, SHARED } from "../../test/support/trees.js";
import { metadataFailures } from "./gate.js";
import { runScanJob } from "./scan-worker.js";
import type { Image, NewAccount } from "./store/types.js";

// Scans judge end of life on a fixed day (runScanJob reads it), so the gate's answer is stable.
process.env.AMIGATE_SCAN_AS_OF = "2026-03-01";

let c: TestCatalogue;
let owner: NewAccount;
let seededReport: string;
let cleanReport: string;
/** The clean rootfs scanned without a vulnerability database: its checks were skipped. */
let uncheckedReport: string;

before(async () => {
  c = await testCatalogue({ gateScope: "public", gateSeverity: "high" });
  owner = await c.account("gate");
  const clean = debianRootfsPath();
  const seeded = path.join(path.dirname(clean), "debian-bookworm-seeded");
  // A real database from the corpus's Debian OSV records (one advisory; the clean rootfs has none).
  const vulnDb = path.join(c.dataDir, "vulns.db");
  amigate(["db", "import", path.join(SHARED, "corpus/osv/debian"), "--db", vulnDb]);
  const s = await runScanJob({ path: seeded, imageId: "seeded", failOn: "high", vulnDb });
  const k = await runScanJob({ path: clean, imageId: "clean", failOn: "high", vulnDb });
  const u = await runScanJob({
    path: clean,
    imageId: "clean",
    failOn: "high",
    vulnDb: path.join(c.dataDir, "absent.db"),
  });
  assert.ok(s.ok && k.ok && u.ok);
  seededReport = s.report;
  cleanReport = k.report;
  uncheckedReport = u.report;
  assert.equal(s.attributes.architecture, "x86_64");
});
after(() => c.dispose());

async function image(name: string, extra: Record<string, string> = {}): Promise<string> {
  const r = await c.call(owner, "RegisterImage", {
    Name: name,
    Architecture: "x86_64",
    VirtualizationType: "hvm",
    RootDeviceName: "/dev/xvda",
    ...extra,
  });
  return member(r, "RegisterImage", "imageId") as string;
}

async function withScan(imageId: string, report: string | undefined, status: "done" | "running" = "done") {
  const scan = await c.store.createScan(imageId);
  await c.store.updateScan(scan.scanId, { status, ...(report ? { report } : {}) });
}

const share = (id: string, add: Record<string, string>) =>
  c.call(owner, "ModifyImageAttribute", { ImageId: id, ...add });

test("Group=all refused while the scan has findings at or above the gate, naming the rules", async () => {
  const id = await image("gate-seeded");
  await withScan(id, seededReport);
  const r = await share(id, { "LaunchPermission.Add.1.Group": "all" });
  assert.equal(r.code, "OperationNotPermitted");
  assert.equal(
    r.message,
    `The image ${id} cannot be shared publicly: findings at or above high: aws-credentials, authorized-keys-present, cloud-init-password-auth, password-hash-login-user, private-key-in-image, ssh-password-auth`,
  );
  // Explicit shares are not gated in the default (public-only) scope.
  assert.equal((await share(id, { "LaunchPermission.Add.1.UserId": "111122223333" })).status, 200);
});

test("refused while the scan runs; allowed once a clean scan is the latest", async () => {
  const id = await image("gate-clean");
  await withScan(id, undefined, "running");
  const r = await share(id, { "LaunchPermission.Add.1.Group": "all" });
  assert.match(r.message!, /the scan has not finished \(running\)/);
  await withScan(id, cleanReport);
  const ok = await share(id, { "LaunchPermission.Add.1.Group": "all" });
  assert.equal(ok.status, 200, ok.raw);
});

test("a clean scan whose vulnerability checks were skipped is refused, unless the operator opts out", async () => {
  const id = await image("gate-unchecked");
  await withScan(id, uncheckedReport);
  const r = await share(id, { "LaunchPermission.Add.1.Group": "all" });
  assert.equal(r.code, "OperationNotPermitted");
  assert.match(
    r.message!,
    /its vulnerability checks were skipped \(vulnerability checks were skipped: no database/,
  );
  // A report written before reports said which checks ran counts as skipped too (fail closed).
  const old = JSON.parse(cleanReport) as Record<string, unknown>;
  delete old.checks;
  await withScan(id, JSON.stringify(old));
  assert.match(
    (await share(id, { "LaunchPermission.Add.1.Group": "all" })).message!,
    /the report does not say/,
  );
  const lenient = await testCatalogue({ gateScope: "public", requireVulnerabilityChecks: false });
  try {
    const o = await lenient.account("lenient");
    const reg = await lenient.call(o, "RegisterImage", {
      Name: "l-1",
      Architecture: "x86_64",
      VirtualizationType: "hvm",
      RootDeviceName: "/dev/xvda",
    });
    const lid = member(reg, "RegisterImage", "imageId") as string;
    const scan = await lenient.store.createScan(lid);
    await lenient.store.updateScan(scan.scanId, { status: "done", report: uncheckedReport });
    const ok = await lenient.call(o, "ModifyImageAttribute", {
      ImageId: lid,
      "LaunchPermission.Add.1.Group": "all",
    });
    assert.equal(ok.status, 200, ok.raw);
  } finally {
    await lenient.dispose();
  }
});

test("metadata clauses ARC-2..5 from the registered attributes", async () => {
  const id = await image("gate-meta", {
    Architecture: "i386",
    VirtualizationType: "paravirtual",
    "BlockDeviceMapping.1.DeviceName": "/dev/xvda",
    "BlockDeviceMapping.1.Ebs.Encrypted": "true",
  });
  await withScan(id, cleanReport);
  const r = await share(id, { "LaunchPermission.Add.1.Group": "all" });
  assert.match(r.message!, /meta-hvm \(ARC-2\): virtualization type is paravirtual/);
  assert.match(r.message!, /meta-architecture \(ARC-3\): architecture is i386/);
  assert.match(r.message!, /meta-unencrypted-snapshots \(ARC-5\)/);
  const img = (await c.store.image(id)) as Image;
  assert.deepEqual(metadataFailures({ ...img, rootDeviceType: "instance-store" }, "eu-west-1").slice(0, 1), [
    "meta-source-region (ARC-1): region is eu-west-1, not us-east-1",
  ]);
  assert.ok(
    metadataFailures({ ...img, rootDeviceType: "instance-store" }, "us-east-1").some((m) =>
      m.includes("ARC-4"),
    ),
  );
});

test("scope `all` gates explicit shares too", async () => {
  const strict = await testCatalogue({ gateScope: "all" });
  try {
    const o = await strict.account("strict");
    const r = await strict.call(o, "RegisterImage", {
      Name: "strict-1",
      Architecture: "x86_64",
      VirtualizationType: "hvm",
      RootDeviceName: "/dev/xvda",
    });
    const id = member(r, "RegisterImage", "imageId") as string;
    const denied = await strict.call(o, "ModifyImageAttribute", {
      ImageId: id,
      "LaunchPermission.Add.1.UserId": "111122223333",
    });
    assert.equal(denied.code, "OperationNotPermitted");
    assert.match(denied.message!, /has no scan/);
  } finally {
    await strict.dispose();
  }
});
