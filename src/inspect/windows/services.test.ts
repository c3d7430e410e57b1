/**
 * Windows services set to start automatically, read from real SYSTEM hives of the corpus and
 * compared with what hivexregedit (a C peer) exports for the same keys.
 */
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { describe, it } from "node:test";
import { corpusHive, corpusHivePath } from "../../../test/support/hivex.js";
import { openHive } from "./regf/index.js";
import { readAutoStartServices } from "./services.js";

/**
 * Automatic Win32 services from hivexregedit's export of the current control set's Services key:
 * Start=2, Type with 0x10 or 0x20 and without 0x40 (hivexregedit prints REG_DWORD as dword:XXXXXXXX).
 */
function peerAutoStart(file: string): string[] {
  const current = execFileSync("hivexget", [file, "Select", "Current"], { encoding: "utf8" }).trim();
  const cs = `ControlSet${current.padStart(3, "0")}\\Services`;
  const out = execFileSync("hivexregedit", ["--export", file, cs], {
    encoding: "latin1",
    maxBuffer: 1 << 28,
  });
  const byKey = new Map<string, { start?: number; type?: number }>();
  let key: string | undefined;
  for (const line of out.split(/\r?\n/)) {
    const k = /^\[\\?(.+)\]$/.exec(line);
    if (k) {
      const rest = k[1]!.slice(cs.length + 1);
      key = rest === "" || rest.includes("\\") ? undefined : rest;
      continue;
    }
    const v = /^"(Start|Type)"=dword:([0-9a-f]{8})$/.exec(line);
    if (!key || !v) continue;
    const e = byKey.get(key) ?? {};
    if (v[1] === "Start") e.start = Number.parseInt(v[2]!, 16);
    else e.type = Number.parseInt(v[2]!, 16);
    byKey.set(key, e);
  }
  return [...byKey]
    .filter(
      ([, e]) => e.start === 2 && e.type !== undefined && (e.type & 0x30) !== 0 && (e.type & 0x40) === 0,
    )
    .map(([name]) => name.toUpperCase())
    .sort();
}

describe("Windows automatic services", () => {
  for (const name of ["SYSTEM.xz", "SYSTEM_WIN_10_1709.xz"])
    it(`match hivexregedit on the corpus's ${name}`, () => {
      const services = readAutoStartServices(
        openHive(corpusHive(name), "SYSTEM"),
        "/Windows/System32/config/SYSTEM",
      );
      const ours = services.map((s) => s.name.toUpperCase()).sort();
      const peer = peerAutoStart(corpusHivePath(name));
      assert.ok(peer.length > 10, `the peer found ${peer.length}`);
      assert.deepEqual(ours, peer);
      const eventLog = services.find((s) => s.name.toLowerCase() === "eventlog");
      assert.ok(eventLog, "EventLog starts automatically on every Windows");
      assert.match(
        eventLog.source,
        /^\/Windows\/System32\/config\/SYSTEM\\ControlSet00\d\\Services\\EventLog$/i,
      );
    });
});
