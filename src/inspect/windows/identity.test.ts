import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { memoryImage } from "../../../test/support/trees.js";
import { SERVER_2012R2, SERVER_2019, windowsChanges } from "../../../test/support/windows-tree.js";
import { FactStore } from "../context.js";
import { inspectorsByName } from "../registry.js";
import { windowsVersion } from "./identity.js";

const osOf = (changes: ReturnType<typeof windowsChanges>) =>
  new FactStore(memoryImage(changes), inspectorsByName).get("os");

describe("Windows version string", () => {
  it("is major.minor.build from the Windows 10-era numbers, else CurrentVersion + build", () => {
    assert.equal(
      windowsVersion({ majorVersion: 10, minorVersion: 0, currentVersion: "6.3", currentBuild: 20348 }),
      "10.0.20348",
    );
    assert.equal(windowsVersion({ currentVersion: "6.3", currentBuild: 9600 }), "6.3.9600");
    assert.equal(windowsVersion({ currentVersion: "junk", currentBuild: 7601 }), "7601");
    assert.equal(windowsVersion({ majorVersion: 10, currentVersion: "6.3" }), undefined);
  });
});

describe("os fact of a Windows tree (SOFTWARE hive from the test regf writer)", () => {
  it("Server 2019: id windows, version 10.0.17763, prettyName from ProductName, source the CurrentVersion key", async () => {
    assert.deepEqual(await osOf(windowsChanges({ currentVersion: SERVER_2019 })), {
      family: "windows",
      id: "windows",
      name: "Windows",
      version: "10.0.17763",
      prettyName: "Windows Server 2019 Datacenter",
      source: "/Windows/System32/config/SOFTWARE\\Microsoft\\Windows NT\\CurrentVersion",
    });
  });

  it("Server 2012 R2: 6.3.9600", async () => {
    const os = await osOf(windowsChanges({ currentVersion: SERVER_2012R2 }));
    assert.equal(os.version, "6.3.9600");
    assert.equal(os.prettyName, "Windows Server 2012 R2 Datacenter");
  });

  it("without a SOFTWARE hive: Windows with no version, from the config folder", async () => {
    const changes = windowsChanges();
    changes["/Windows/System32/config/SOFTWARE"] = { type: "deleted" };
    assert.deepEqual(await osOf(changes), {
      family: "windows",
      id: "windows",
      name: "Windows",
      source: "/Windows/System32/config",
    });
  });
});
