import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import path from "node:path";
import { describe, it } from "node:test";
import { renderInspection } from "../../cli/inspect-text.js";
import { diskFixtures } from "../../container/disk/testing.js";
import { openDiskTarget } from "./probe.js";
import { inspectTarget } from "./target-summary.js";

const dir = diskFixtures();

describe("inspect", () => {
  it("reports container, table, LVs, filesystems of the LVM disk", {
    skip: !existsSync(path.join(dir, "lvm.qcow2")),
  }, async () => {
    const t = await openDiskTarget(path.join(dir, "lvm.qcow2"), { readers: {} });
    assert.ok(t);
    const i = inspectTarget(t);
    await t.close();
    assert.equal(i.container?.format, "qcow2");
    assert.equal(i.container?.virtualSize, 64 * 1048576);
    assert.deepEqual(
      i.partitions?.map((p) => [p.typeName, p.filesystem]),
      [
        ["Linux filesystem", "ext4"],
        ["Linux LVM", "lvm2-pv"],
      ],
    );
    assert.deepEqual(
      i.volumeGroups?.[0]?.lvs.map((lv) => [lv.name, lv.filesystem]),
      [
        ["root", "ext4"],
        ["lv-home", "ext4"],
      ],
    );
    assert.ok(i.filesystems?.some((f) => f.where === "LV amivg/root" && f.label === "lroot"));
    assert.match(renderInspection(i), /volume group amivg\n {2}LV root {2}linear {2}16 MiB {2}ext4\n/);
    assert.match(
      renderInspection(i),
      /ext4 reader pending: not read: partition 1 \(ext4\), LV amivg\/root \(ext4\)/,
    );
  });
  it("lists encrypted volumes and the boot-code flag", async () => {
    const t = await openDiskTarget(path.join(dir, "gpt-bootcode.raw"), { readers: {} });
    assert.ok(t);
    const i = inspectTarget(t);
    await t.close();
    assert.deepEqual(i.encrypted, [{ where: "partition 5", type: "luks" }]);
    assert.equal(i.partitionTable?.mbrBootCode, true);
    assert.match(renderInspection(i), /MBR boot code: yes/);
  });
});
