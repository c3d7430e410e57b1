/**
 * Our "enabled" against systemd's own: `systemctl list-unit-files --root=ROOT --state=enabled` on
 * the real Debian rootfs (read-only) and on small trees that each hold one case systemd decides in
 * a particular way (alias names, templates, vendor and runtime links, masks).
 */
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { after, describe, it } from "node:test";
import { debianRootfsPath } from "../../test/support/trees.js";
import { DirectoryTree } from "../fs/directory.js";
import { Image } from "../fs/image.js";
import { parseInstallSection } from "./boot-services.js";
import { FactStore } from "./context.js";
import { inspectorsByName } from "./registry.js";

/** systemctl's enabled unit files under a root, by name. */
function systemctlEnabled(root: string): string[] {
  const out = execFileSync(
    "systemctl",
    ["list-unit-files", `--root=${root}`, "--state=enabled", "--no-legend", "--no-pager"],
    { encoding: "utf8" },
  );
  return out
    .split("\n")
    .map((l) => l.trim().split(/\s+/)[0]!)
    .filter((n) => n !== "")
    .sort();
}

async function ours(root: string) {
  const facts = new FactStore(new Image(new DirectoryTree(root)), inspectorsByName);
  return (await facts.get("bootServices")).services;
}

const oursSystemd = async (root: string) =>
  (await ours(root))
    .filter((s) => s.via === "systemd")
    .map((s) => s.name)
    .sort();

describe("boot services: systemd's enabled unit files", () => {
  it("match systemctl on the real Debian rootfs", async () => {
    const root = debianRootfsPath();
    const want = systemctlEnabled(root);
    assert.ok(want.includes("ssh.service") && want.length >= 10, want.join(" "));
    assert.deepEqual(await oursSystemd(root), want);
  });

  it("name SysV scripts started through rc links besides the units, with their link", async () => {
    const services = await ours(debianRootfsPath());
    const sysv = services.filter((s) => s.via === "sysv");
    assert.deepEqual(
      sysv.map((s) => [s.name, s.source]),
      [
        ["hwclock.sh", "/etc/rcS.d/S01hwclock.sh"],
        ["procps", "/etc/rcS.d/S01procps"],
      ],
    );
    const ssh = services.find((s) => s.name === "ssh.service");
    assert.equal(ssh?.source, "/etc/systemd/system/multi-user.target.wants/ssh.service");
  });

  // Each tree: unit files under /usr/lib/systemd/system (U) or elsewhere, and links.
  const VENDOR = "usr/lib/systemd/system";
  const CONFIG = "etc/systemd/system";
  const unit = (install: string) => `[Unit]\nDescription=t\n[Service]\nExecStart=/bin/true\n${install}\n`;
  const wanted = unit("[Install]\nWantedBy=multi-user.target");
  const trees: Array<{ name: string; files: Record<string, string>; links: Record<string, string> }> = [
    {
      name: "a wants link by name enables; its target does not matter; a link named otherwise does not",
      files: {
        [`${VENDOR}/a.service`]: wanted,
        [`${VENDOR}/c.service`]: wanted,
        [`${VENDOR}/f.service`]: wanted,
      },
      links: {
        [`${CONFIG}/multi-user.target.wants/a.service`]: "/usr/lib/systemd/system/a.service",
        [`${CONFIG}/multi-user.target.wants/c.service`]: "/usr/lib/systemd/system/missing.service",
        [`${CONFIG}/multi-user.target.wants/e.service`]: "/usr/lib/systemd/system/f.service",
      },
    },
    {
      name: "vendor and runtime links, copies, nested folders and .upholds do not enable",
      files: {
        [`${VENDOR}/b.service`]: wanted,
        [`${VENDOR}/l.service`]: wanted,
        [`${VENDOR}/u.service`]: wanted,
        [`${CONFIG}/multi-user.target.wants/u.service`]: wanted,
        [`${VENDOR}/w.service`]: wanted,
        [`${VENDOR}/q.service`]: wanted,
        [`${VENDOR}/anchor.service`]: wanted,
      },
      links: {
        [`${CONFIG}/multi-user.target.wants/anchor.service`]: "/usr/lib/systemd/system/anchor.service",
        [`${VENDOR}/multi-user.target.wants/b.service`]: "../b.service",
        "run/systemd/system/multi-user.target.wants/l.service": "/usr/lib/systemd/system/l.service",
        [`${CONFIG}/multi-user.target.wants/sub/w.service`]: "/usr/lib/systemd/system/w.service",
        [`${CONFIG}/multi-user.target.upholds/q.service`]: "/usr/lib/systemd/system/q.service",
      },
    },
    {
      name: "templates: the template's own name or its DefaultInstance; other instances are indirect",
      files: {
        [`${VENDOR}/getty@.service`]: unit("[Install]\nWantedBy=getty.target\nDefaultInstance=tty1"),
        [`${VENDOR}/serial-getty@.service`]: unit("[Install]\nWantedBy=getty.target\nDefaultInstance=ttyS0"),
        [`${VENDOR}/t@.service`]: wanted,
        [`${VENDOR}/x@.service`]: wanted,
      },
      links: {
        [`${CONFIG}/getty.target.wants/getty@tty1.service`]: "/usr/lib/systemd/system/getty@.service",
        [`${CONFIG}/getty.target.wants/serial-getty@ttyS1.service`]:
          "/usr/lib/systemd/system/serial-getty@.service",
        [`${CONFIG}/multi-user.target.wants/t@.service`]: "/usr/lib/systemd/system/t@.service",
        [`${CONFIG}/multi-user.target.wants/x@a.service`]: "/usr/lib/systemd/system/x@.service",
      },
    },
    {
      name: "alias links enable only names the unit declares in Alias=; an alias name in wants does not",
      files: {
        [`${VENDOR}/g.service`]: unit("[Install]\nAlias=g-alias.service"),
        [`${VENDOR}/g2.service`]: wanted,
        [`${VENDOR}/o.service`]: unit("[Install]\nAlias=o-alias.service\nWantedBy=multi-user.target"),
      },
      links: {
        [`${CONFIG}/g-alias.service`]: "/usr/lib/systemd/system/g.service",
        [`${CONFIG}/g2-alias.service`]: "/usr/lib/systemd/system/g2.service",
        [`${CONFIG}/multi-user.target.wants/o-alias.service`]: "/usr/lib/systemd/system/o.service",
      },
    },
    {
      name: "masks win; units in /etc, /usr/local and outside the search path are enabled by their links; other unit types too",
      files: {
        [`${VENDOR}/h.service`]: wanted,
        [`${CONFIG}/i.service`]: wanted,
        "usr/local/lib/systemd/system/r.service": wanted,
        "opt/j.service": wanted,
        [`${VENDOR}/m.service`]: unit(""),
        [`${VENDOR}/z.socket`]: "[Socket]\nListenStream=1\n[Install]\nWantedBy=sockets.target\n",
        [`${VENDOR}/tm.timer`]: "[Timer]\nOnCalendar=daily\n[Install]\nWantedBy=timers.target\n",
        [`${VENDOR}/k.service`]: unit("[Install]\nRequiredBy=foo.target"),
      },
      links: {
        [`${CONFIG}/h.service`]: "/dev/null",
        [`${CONFIG}/multi-user.target.wants/h.service`]: "/usr/lib/systemd/system/h.service",
        [`${CONFIG}/multi-user.target.wants/i.service`]: "../i.service",
        [`${CONFIG}/multi-user.target.wants/r.service`]: "/usr/local/lib/systemd/system/r.service",
        [`${CONFIG}/j.service`]: "/opt/j.service",
        [`${CONFIG}/multi-user.target.wants/j.service`]: "/opt/j.service",
        [`${CONFIG}/multi-user.target.wants/m.service`]: "/usr/lib/systemd/system/m.service",
        [`${CONFIG}/sockets.target.wants/z.socket`]: "/usr/lib/systemd/system/z.socket",
        [`${CONFIG}/timers.target.wants/tm.timer`]: "/usr/lib/systemd/system/tm.timer",
        [`${CONFIG}/foo.target.requires/k.service`]: "/usr/lib/systemd/system/k.service",
      },
    },
  ];
  const made: string[] = [];
  after(() => {
    for (const dir of made) rmSync(dir, { recursive: true, force: true });
  });
  for (const tree of trees)
    it(`match systemctl: ${tree.name}`, async () => {
      const root = mkdtempSync(path.join(os.tmpdir(), "amigate-units-"));
      made.push(root);
      for (const [p, text] of Object.entries(tree.files)) {
        mkdirSync(path.dirname(path.join(root, p)), { recursive: true });
        writeFileSync(path.join(root, p), text);
      }
      for (const [p, target] of Object.entries(tree.links)) {
        mkdirSync(path.dirname(path.join(root, p)), { recursive: true });
        symlinkSync(target, path.join(root, p));
      }
      const want = systemctlEnabled(root);
      assert.ok(want.length > 0, "systemctl found something to compare");
      assert.deepEqual(await oursSystemd(root), want);
    });
});

describe("parseInstallSection", () => {
  it("reads Alias= (lists, resets) and DefaultInstance= from [Install] only", () => {
    assert.deepEqual(
      parseInstallSection(
        "[Unit]\nAlias=not-here.service\n[Install]\nAlias=a.service b.service\nAlias=\nAlias=c.service\n# Alias=d.service\nDefaultInstance=tty1\n",
      ),
      { aliases: ["c.service"], defaultInstance: "tty1" },
    );
  });
});
