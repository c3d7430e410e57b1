/**
 * End to end over Windows disk images (fixtures/windows-images.sh): NTFS volumes holding the
 * corpus's real SYSTEM/SAM/SECURITY/NTUSER.DAT and SOFTWARE hives from the test regf writer, in MBR
 * and GPT layouts and VHD, VHDX and VMDK containers. A passing Windows Server 2022 image gives no
 * finding; a failing one gives exactly the Windows rules and clauses issue 6 lists, the same in
 * every container; a Windows Server 2012 R2 image with Ec2SetPassword disabled fails WIN-2.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import type { WalkEntry } from "../src/fs/filetree.js";
import { FactStore } from "../src/inspect/context.js";
import { inspectorsByName } from "../src/inspect/registry.js";
import { openHive } from "../src/inspect/windows/regf/index.js";
import { readAliasMembers, readSamUsers } from "../src/inspect/windows/sam.js";
import type { ScanResult } from "../src/policy/result.js";
import { scan } from "../src/scan/session.js";
import { openTarget } from "../src/target/open.js";
import { hivexDump, ourDump } from "./support/hivex.js";
import { REPO_ROOT } from "./support/trees.js";
import {
  SOFTWARE_VARIANTS,
  softwareHive,
  UNINSTALL,
  WINLOGON_DEFAULT_PASSWORD,
} from "./support/windows-hives.js";
import { WINDOWS_CONTAINERS, windowsImageFixtures } from "./support/windows-images.js";

const sha = (b: Buffer) => createHash("sha256").update(b).digest("hex");
const work = mkdtempSync(path.join(tmpdir(), "amigate-winimg-"));
after(() => rmSync(work, { recursive: true, force: true }));

/** Secrets the failing image holds in clear or base64 form; no report may print them. */
const SECRETS = ["Unatt3nd!Admin", WINLOGON_DEFAULT_PASSWORD, "Launch!Spec1fied", "Hist0ry!Pass"];
const FAILING_RULES = [
  "win-ec2launch WIN-1",
  "win-fixed-admin-password ACC-3",
  "win-psreadline-history SHR-1",
  "win-saved-passwords SHR-4,SEC-4",
  "win-not-generalized SHR-6",
  "win-guest-rdp-users WIN-3",
  "win-rdp-disabled ACC-1",
];

/** Reports are reproducible with a fixed date (Server 2019 and 2022 in support; 2012 R2 is not). */
const AS_OF = new Date("2026-03-01T00:00:00Z");

async function scanFile(file: string): Promise<ScanResult> {
  const t = await openTarget(file);
  try {
    return await scan(t, t.roots, { now: AS_OF });
  } finally {
    await t.close();
  }
}

/** Findings without what depends on the container (the root's name). */
function normalised(result: ScanResult): string[] {
  return result.findings.map((f) =>
    [f.rule, f.clauses.join(","), f.severity, f.path ?? "", f.line ?? "", f.message, f.evidence ?? ""].join(
      " | ",
    ),
  );
}

/** The peer's listing of fixtures/ntfs-peer-listing.py: kind, sha256, size by path. */
function peerListing(file: string): Map<string, { kind: string; sha256: string; size: number }> {
  const out = new Map<string, { kind: string; sha256: string; size: number }>();
  for (const line of readFileSync(file, "utf8").split("\n")) {
    const m = /^([fdl]) (\S+) (\S+) (\/.*)$/.exec(line);
    if (m) out.set(m[4]!, { kind: m[1]!, sha256: m[2]!, size: m[3] === "-" ? 0 : Number(m[3]) });
  }
  return out;
}

let dir: string;
before(() => {
  dir = windowsImageFixtures();
});

describe("SOFTWARE hives of the Windows fixtures (test regf writer)", () => {
  for (const variant of SOFTWARE_VARIANTS) {
    it(`${variant}: hivexregedit --export reads the same keys and values as our reader`, () => {
      const bytes = softwareHive(variant);
      const file = path.join(work, `SOFTWARE-${variant}`);
      writeFileSync(file, bytes);
      const peer = hivexDump(file);
      assert.deepEqual(ourDump(openHive(bytes, file)), peer);
      // And the peer alone sees the product name and the sysprep state the fixture needs.
      const product = peer.find((l) =>
        l.startsWith("V MICROSOFT\\WINDOWS NT\\CURRENTVERSION\tProductName\t"),
      );
      assert.match(
        Buffer.from(product!.split("\t")[3]!, "hex").toString("utf16le"),
        /^Windows Server 20(22|19|12 R2) Datacenter\0$/,
      );
      assert.ok(
        peer.some((l) => l.startsWith("V MICROSOFT\\WINDOWS\\CURRENTVERSION\\SETUP\\STATE\tImageState\t1\t")),
      );
    });
  }
});

describe("the passing Windows Server 2022 image", () => {
  for (const { file, root } of WINDOWS_CONTAINERS) {
    it(`${file}: no finding, no unknown, and the report names Windows Server 2022`, async () => {
      const result = await scanFile(path.join(dir, "pass", file));
      assert.deepEqual(normalised(result), []);
      assert.deepEqual(result.unknowns, []);
      assert.equal(result.passed, true);
      assert.deepEqual(result.roots, [
        {
          root,
          os: {
            id: "windows",
            name: "Windows",
            version: "10.0.20348",
            prettyName: "Windows Server 2022 Datacenter",
          },
        },
      ]);
    });
  }

  it("windows facts: identity, x64, EC2Launch v2 random, sysprepped, RDP on, Guest disabled, inventory", async () => {
    const t = await openTarget(path.join(dir, "pass", "windows.vhdx"));
    try {
      const w = await new FactStore(t.roots[0]!.image, inspectorsByName).get("windows");
      assert.equal(w.identity.currentBuild, 20348);
      assert.equal(w.identity.isServer, true);
      assert.equal(w.identity.ubr, 2340);
      assert.equal(w.identity.displayVersion, "21H2");
      assert.equal(w.architecture?.machine, "x64");
      assert.equal(w.agents.ec2launchV2?.setAdminAccount?.passwordType, "random");
      assert.equal(w.sysprep.imageState, "IMAGE_STATE_GENERALIZE_RESEAL_TO_OOBE");
      assert.equal(w.sysprep.stateIni?.imageState, "IMAGE_STATE_GENERALIZE_RESEAL_TO_OOBE");
      assert.equal(w.rdp.enabled, true);
      assert.equal(w.users.find((u) => u.rid === 501)?.disabled, true);
      assert.deepEqual(w.remoteDesktopUsers, []);
      assert.deepEqual(w.savedPasswords, []);
      // Both Uninstall views; keys without DisplayName (AddressBook, WIC) are components, left out.
      const { native, wow64 } = UNINSTALL.server2022;
      const uninstall = (view: string) =>
        `/Windows/System32/config/SOFTWARE\\${view === "wow64" ? "WOW6432Node\\" : ""}Microsoft\\Windows\\CurrentVersion\\Uninstall`;
      const expected = [
        ...native.filter((e) => e.name).map((e) => ({ ...e, view: "native" })),
        ...wow64.filter((e) => e.name).map((e) => ({ ...e, view: "wow64" })),
      ]
        .map(({ key, name, version, publisher, view }) => ({
          name,
          version,
          publisher,
          view,
          source: `${uninstall(view)}\\${key}`,
        }))
        .sort((a, b) => a.name!.localeCompare(b.name!));
      assert.deepEqual(w.software, expected);
      assert.equal(w.software.length, 5);
    } finally {
      await t.close();
    }
  });
});

describe("the failing Windows Server 2019 image", () => {
  const results = new Map<string, ScanResult>();

  for (const { file, root } of WINDOWS_CONTAINERS) {
    it(`${file}: exactly the Windows rules and clauses issue 6 lists, secrets masked`, async () => {
      const result = await scanFile(path.join(dir, "fail", file));
      results.set(file, result);
      assert.deepEqual(
        [...new Set(result.findings.map((f) => `${f.rule} ${f.clauses.join(",")}`))].sort(),
        [...FAILING_RULES].sort(),
      );
      assert.deepEqual([...new Set(result.findings.flatMap((f) => f.clauses))].sort(), [
        "ACC-1",
        "ACC-3",
        "SEC-4",
        "SHR-1",
        "SHR-4",
        "SHR-6",
        "WIN-1",
        "WIN-3",
      ]);
      // Two saved passwords (answer file, Winlogon) and two WIN-3 findings (Guest, Preston in RDU).
      assert.equal(result.findings.length, 9);
      assert.equal(result.passed, false);
      assert.deepEqual(result.unknowns, []);
      assert.equal(result.roots[0]!.root, root);
      assert.deepEqual(result.roots[0]!.os, {
        id: "windows",
        name: "Windows",
        version: "10.0.17763",
        prettyName: "Windows Server 2019 Datacenter",
      });
      const json = JSON.stringify(result);
      for (const s of SECRETS) assert.ok(!json.includes(s), `report prints ${s}`);
      const messages = normalised(result).join("\n");
      assert.match(messages, /Administrator password in answer file for Administrator \(base64, decoded\)/);
      assert.match(messages, /Winlogon DefaultPassword .* for Administrator/);
      assert.match(messages, /Guest account "Guest" is enabled/);
      assert.match(
        messages,
        /SAM\\SAM\\Domains\\Builtin\\Aliases\\0000022B \| {2}\| Remote Desktop Users has member Preston/,
      );
      assert.match(messages, /Image state is IMAGE_STATE_COMPLETE/);
    });
  }

  it("gives identical findings in every container and layout", () => {
    assert.equal(results.size, WINDOWS_CONTAINERS.length, "every container scanned above");
    const [first, ...rest] = [...results.values()].map(normalised);
    for (const other of rest) assert.deepEqual(other, first);
  });

  for (const file of ["ntfs.raw", "windows.vhdx"]) {
    it(`${file}: the NTFS walk has the paths of ntfsls -R and the bytes of ntfscat`, async () => {
      const peer = peerListing(path.join(dir, "fail", "expected.txt"));
      const t = await openTarget(path.join(dir, "fail", file));
      try {
        const image = t.roots[0]!.image;
        const walked: WalkEntry[] = [];
        for await (const e of image.walk("/")) walked.push(e);
        assert.deepEqual(walked.map((e) => e.path).sort(), [...peer.keys()].sort());
        let files = 0;
        for (const e of walked) {
          const p = peer.get(e.path)!;
          assert.equal(
            e.stat.type === "directory" ? "d" : e.stat.type === "file" ? "f" : "l",
            p.kind,
            e.path,
          );
          if (e.stat.type !== "file") continue;
          files++;
          assert.equal(e.stat.size, p.size, e.path);
          assert.equal(sha(await image.readFile(e.path, 64 << 20)), p.sha256, e.path);
        }
        assert.ok(files >= 12, `${files} files`);
      } finally {
        await t.close();
      }
    });
  }

  it("the SAM hivexregedit edited reads the same in hivexregedit and our reader: Guest on, Preston in RDU", async () => {
    const t = await openTarget(path.join(dir, "fail", "ntfs.raw"));
    try {
      const bytes = await t.roots[0]!.image.readFile("/Windows/System32/config/SAM", 1 << 20);
      const file = path.join(work, "SAM-fail");
      writeFileSync(file, bytes);
      const sam = openHive(bytes, file);
      assert.deepEqual(ourDump(sam), hivexDump(file));
      const users = readSamUsers(sam, "SAM");
      assert.deepEqual(
        users.map((u) => `${u.rid} ${u.name} ${u.disabled ? "disabled" : "enabled"}`),
        ["500 Administrator disabled", "501 Guest enabled", "1000 Preston enabled"],
      );
      assert.deepEqual(
        readAliasMembers(sam, 555, users).map((m) => m.name),
        ["Preston"],
      );
    } finally {
      await t.close();
    }
  });
});

describe("the Windows Server 2012 R2 image with EC2Config", () => {
  it("fails WIN-2 (Ec2SetPassword disabled) and SEC-2 (2012 R2 is past its end of life); the report says 6.3.9600", async () => {
    const result = await scanFile(path.join(dir, "2012r2", "mbr.raw"));
    assert.deepEqual(normalised(result), [
      [
        "os-end-of-life",
        "SEC-2",
        "high",
        "/Windows/System32/config/SOFTWARE\\Microsoft\\Windows NT\\CurrentVersion",
        "",
        "the operating system Microsoft Windows Server 2012-r2 reached end of life on 2023-10-10; Extended Security Updates runs to 2026-10-13 (extended support: not counted as supported)",
        "endoflife.date data as of 2026-08-22",
      ].join(" | "),
      [
        "win-ec2config",
        "WIN-2",
        "high",
        "/Program Files/Amazon/Ec2ConfigService/Settings/config.xml",
        "",
        "EC2Config plugin Ec2SetPassword is Disabled",
        "Ec2SetPassword=Disabled",
      ].join(" | "),
    ]);
    assert.deepEqual(result.roots[0]!.os, {
      id: "windows",
      name: "Windows",
      version: "6.3.9600",
      prettyName: "Windows Server 2012 R2 Datacenter",
    });
  });
});

describe("amigate scan (the CLI in a child process)", () => {
  const MAIN = path.join(REPO_ROOT, "src/cli/main.ts");
  const TSX = import.meta.resolve("tsx");
  function cli(...args: string[]) {
    const r = spawnSync(process.execPath, ["--import", TSX, MAIN, ...args], {
      cwd: work,
      encoding: "utf8",
      env: { ...process.env, NO_COLOR: "" },
      timeout: 120_000,
    });
    return { status: r.status, stdout: r.stdout, stderr: r.stderr };
  }

  it("exit 0 and no finding on the passing VHDX; exit 1 and the same findings on the failing VMDK", () => {
    const pass = cli(
      "scan",
      path.join(dir, "pass", "windows.vhdx"),
      "--format",
      "json",
      "--as-of",
      "2026-03-01",
    );
    assert.equal(pass.status, 0, pass.stderr);
    const passed = JSON.parse(pass.stdout) as ScanResult;
    assert.deepEqual(passed.findings, []);
    assert.equal(passed.roots[0]!.os.prettyName, "Windows Server 2022 Datacenter");

    const fail = cli(
      "scan",
      path.join(dir, "fail", "windows.vmdk"),
      "--format",
      "json",
      "--as-of",
      "2026-03-01",
    );
    assert.equal(fail.status, 1, fail.stderr);
    const failed = JSON.parse(fail.stdout) as ScanResult;
    assert.deepEqual(
      [...new Set(failed.findings.map((f) => `${f.rule} ${f.clauses.join(",")}`))].sort(),
      [...FAILING_RULES].sort(),
    );
    for (const s of SECRETS) assert.ok(!fail.stdout.includes(s), `CLI prints ${s}`);
  });
});
