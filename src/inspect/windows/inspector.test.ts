import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { corpusHive } from "../../../test/support/hivex.js";
import { memoryImage } from "../../../test/support/trees.js";
import { peStub, SERVER_2012R2, windowsChanges } from "../../../test/support/windows-tree.js";
import type { Image } from "../../fs/image.js";
import { DEFAULT_INSPECT_OPTIONS, FactStore } from "../context.js";
import { inspectorsByName } from "../registry.js";
import { decodeUnattendPassword, parseRdpFile } from "./credentials.js";
import { peMachine } from "./identity.js";
import { findAll, findPath } from "./paths.js";

async function windowsFacts(image: Image) {
  const store = new FactStore(image, inspectorsByName, DEFAULT_INSPECT_OPTIONS);
  return { facts: await store.get("windows"), unknowns: store.unknowns };
}

describe("case-insensitive Windows paths", () => {
  const image = memoryImage({
    "/Windows/SYSTEM32/Config/software": "x",
    "/Users/A/.aws/credentials": "a",
    "/Users/b/.AWS/Credentials": "b",
  });
  it("finds a path whatever its case, undefined when absent", async () => {
    assert.equal(
      await findPath(image, "/Windows/System32/config/SOFTWARE"),
      "/Windows/SYSTEM32/Config/software",
    );
    assert.equal(await findPath(image, "/windows/system32/config/SAM"), undefined);
    assert.equal(await findPath(image, "/Windows/System32/config/software/deeper"), undefined);
  });
  it("expands * over one level", async () => {
    assert.deepEqual(await findAll(image, "/users/*/.aws/credentials"), [
      "/Users/A/.aws/credentials",
      "/Users/b/.AWS/Credentials",
    ]);
  });
});

describe("windows inspector", () => {
  it("reads identity, architecture, agents, SAM, RDP, sysprep and software", async () => {
    const { facts, unknowns } = await windowsFacts(
      memoryImage(
        windowsChanges({
          denyTsConnections: 0,
          software: {
            WOW6432Node: {
              keys: {
                Microsoft: {
                  keys: {
                    Windows: {
                      keys: {
                        CurrentVersion: {
                          keys: {
                            Uninstall: {
                              keys: {
                                "{X}": { values: { DisplayName: "7-Zip", DisplayVersion: "23.01" } },
                                KB1: { values: {} },
                              },
                            },
                          },
                        },
                      },
                    },
                  },
                },
              },
            },
          },
          files: { "/Windows/Setup/State/State.ini": "\ufeff[State]\r\nImageState=IMAGE_STATE_COMPLETE\r\n" },
        }),
      ),
    );
    assert.deepEqual(unknowns, []);
    assert.equal(facts.isWindows, true);
    assert.equal(facts.identity.productName, "Windows Server 2019 Datacenter");
    assert.equal(facts.identity.currentBuild, 17763);
    assert.equal(facts.identity.majorVersion, 10);
    assert.equal(facts.identity.isServer, true);
    assert.deepEqual(facts.architecture, { machine: "x64", source: "/Windows/System32/ntoskrnl.exe" });
    assert.deepEqual(facts.agents.ec2launchV2?.tasks, [
      "extendRootPartition",
      "activateWindows",
      "setAdminAccount",
      "startSsm",
    ]);
    assert.equal(facts.agents.ec2launchV2?.setAdminAccount?.passwordType, "random");
    // The corpus SAM (expected.json: Administrator 500 disabled, 1000 normal, 3 users).
    assert.deepEqual(
      facts.users.map((u) => [u.name, u.rid, u.disabled]),
      [
        ["Administrator", 500, true],
        ["Guest", 501, true],
        ["Preston", 1000, false],
      ],
    );
    assert.deepEqual(
      facts.administrators.map((m) => m.name),
      ["Administrator", "Preston"],
    );
    assert.ok(facts.administrators[0]?.sid.startsWith("S-1-5-21-1760460187-1592185332-161725925-"));
    assert.deepEqual(facts.remoteDesktopUsers, []);
    assert.deepEqual(facts.rdp, {
      enabled: true,
      controlSet: "ControlSet001",
      source: "/Windows/System32/config/SYSTEM\\ControlSet001\\Control\\Terminal Server",
    });
    assert.equal(facts.sysprep.imageState, "IMAGE_STATE_GENERALIZE_RESEAL_TO_OOBE");
    assert.equal(facts.sysprep.stateIni?.imageState, "IMAGE_STATE_COMPLETE");
    assert.deepEqual(facts.software, [
      {
        name: "7-Zip",
        version: "23.01",
        view: "wow64",
        source:
          "/Windows/System32/config/SOFTWARE\\WOW6432Node\\Microsoft\\Windows\\CurrentVersion\\Uninstall\\{X}",
      },
    ]);
  });

  it("SYSTEM of the corpus: CurrentControlSet from Select, dirty note kept", async () => {
    const { facts } = await windowsFacts(
      memoryImage(
        windowsChanges({
          files: {
            "/Windows/System32/config/SYSTEM": { type: "file", content: corpusHive("SYSTEM_WIN_10_1709.xz") },
          },
        }),
      ),
    );
    assert.equal(facts.rdp.controlSet, "ControlSet001");
    assert.equal(facts.rdp.enabled, false);
    assert.match(facts.hiveNotes.map((n) => n.note).join(), /dirty hive/);
  });

  it("a damaged hive becomes an unknown and the rest is still read", async () => {
    const { facts, unknowns } = await windowsFacts(
      memoryImage(
        windowsChanges({
          currentVersion: SERVER_2012R2,
          files: { "/Windows/System32/config/SAM": "not a hive" },
        }),
      ),
    );
    assert.equal(facts.identity.currentBuild, 9600);
    assert.deepEqual(facts.users, []);
    assert.equal(unknowns.length, 1);
    assert.match(unknowns[0]!.error, /regf base block/);
  });

  it("is not Windows on a Linux-like tree", async () => {
    const { facts } = await windowsFacts(memoryImage({ "/etc/os-release": "ID=debian\n" }));
    assert.equal(facts.isWindows, false);
  });
});

describe("Windows credential parsers", () => {
  it("decodes unattend base64 only when the suffix proves it", () => {
    const b64 = Buffer.from("hunter2AdministratorPassword", "utf16le").toString("base64");
    assert.deepEqual(decodeUnattendPassword(b64, false, "AdministratorPassword"), {
      secret: "hunter2",
      decoded: true,
    });
    assert.deepEqual(decodeUnattendPassword(b64, false, "Password"), {
      secret: "hunter2Administrator",
      decoded: true,
    });
    assert.deepEqual(decodeUnattendPassword("hunter2", true, "Password"), {
      secret: "hunter2",
      decoded: false,
    });
    assert.deepEqual(decodeUnattendPassword("aGVsbG8=", false, "Password"), {
      secret: "aGVsbG8=",
      decoded: false,
    });
  });
  it("reads .rdp saved passwords", () => {
    assert.deepEqual(parseRdpFile("full address:s:h\r\npassword 51:b:0100AB\r\n", "/x.rdp"), [
      { kind: "rdp-file", path: "/x.rdp", line: 2, secret: "0100AB", decoded: false },
    ]);
    assert.deepEqual(parseRdpFile("full address:s:h\r\n", "/x.rdp"), []);
  });
  it("PE machine of x64, arm64, x86 stubs; garbage is undefined", () => {
    assert.equal(peMachine(peStub(0x8664)), 0x8664);
    assert.equal(peMachine(peStub(0xaa64)), 0xaa64);
    assert.equal(peMachine(peStub(0x14c)), 0x14c);
    assert.equal(peMachine(Buffer.from("MZ")), undefined);
    const bad = peStub(0x8664);
    bad.writeUInt32LE(0xffffff, 0x3c);
    assert.equal(peMachine(bad), undefined);
  });
});
