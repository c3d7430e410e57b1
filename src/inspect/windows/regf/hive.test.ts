import assert from "node:assert/strict";
import { readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { describe, it } from "node:test";
import {
  CORPUS_HIVES,
  corpusHive,
  corpusHivePath,
  hivexDump,
  ourDump,
} from "../../../../test/support/hivex.js";
import { writeHive } from "../../../../test/support/regf-writer.js";
import { ImageFormatError } from "../../../io/errors.js";
import { openHive, REG } from "./index.js";

const expected = JSON.parse(readFileSync(path.join(CORPUS_HIVES, "expected.json"), "utf8"));

/** Every real hive hivex can open; compared key for key and value for value. */
const PARITY = [
  "SAM.xz",
  "SECURITY.xz",
  "BCD.xz",
  "NTUSER.DAT.xz",
  "NTUSER_with_winscp.DAT.xz",
  "SYSTEM.xz",
  "SYSTEM_WIN_10_1709.xz",
  "UsrClass.dat.xz",
  "amcache.hve.xz",
  "ntuser_software_partial.xz",
  "transactions/NTUSER.DAT.xz",
];

describe("regf reader against hivexregedit --export (libwin-hivex-perl)", () => {
  for (const name of PARITY) {
    it(`${name}: every key and value identical`, () => {
      const file = corpusHivePath(name);
      const ours = ourDump(openHive(readFileSync(file), name));
      const theirs = hivexDump(file);
      assert.ok(theirs.length > 100, "hivex exported the hive");
      const a = new Set(ours);
      const b = new Set(theirs);
      assert.deepEqual(ours.filter((l) => !b.has(l)).slice(0, 5), [], "only in ours");
      assert.deepEqual(theirs.filter((l) => !a.has(l)).slice(0, 5), [], "only in hivex");
      assert.equal(ours.length, theirs.length);
    });
  }
});

describe("regf reader against the corpus's expected facts (regipy tests)", () => {
  it("NTUSER.DAT header, root key and recursive totals", () => {
    const hive = openHive(corpusHive("NTUSER.DAT.xz"), "NTUSER.DAT");
    const want = expected["NTUSER.DAT.xz"];
    assert.equal(hive.header.primarySequence, want.header.primary_sequence_num);
    assert.equal(hive.header.secondarySequence, want.header.secondary_sequence_num);
    // expected.json holds FILETIMEs as JSON numbers (doubles), so compare at double precision.
    assert.equal(Number(hive.header.lastWritten), want.header.last_modification_time_filetime);
    assert.equal(hive.header.minorVersion, want.header.minor_version);
    assert.equal(hive.header.rootCellOffset, want.header.root_key_offset);
    assert.equal(hive.header.hiveBinsDataSize, want.header.hive_bins_data_size);
    assert.equal(hive.header.fileName, want.header.file_name);
    assert.equal(hive.header.checksum, want.header.checksum);
    assert.equal(hive.header.computedChecksum, want.header.checksum);
    assert.deepEqual(hive.notes, []);
    const root = hive.root();
    assert.equal(root.name, want.root_key.name);
    assert.equal(root.subkeys().length, want.root_key.subkey_count);
    assert.equal(Number(root.lastWritten), want.root_key.last_modified_filetime);
    let keys = 0; // regipy counts the root too
    let values = 0;
    const types: Record<string, number> = {};
    for (const key of hive.walk()) {
      keys++;
      for (const v of key.values()) {
        values++;
        types[v.typeName] = (types[v.typeName] ?? 0) + 1;
      }
    }
    assert.equal(keys, want.recursive_totals.subkeys);
    assert.equal(values, want.recursive_totals.values);
    assert.deepEqual(types, want.recursive_totals.value_types);
    const run = hive.key("software\\MICROSOFT\\windows\\CurrentVersion\\Run");
    assert.ok(run);
    assert.equal(
      Number(run.lastWritten),
      want.keys["\\Software\\Microsoft\\Windows\\CurrentVersion\\Run"].last_modified_filetime,
    );
    assert.equal(run.values()[0]?.name, "Sidebar");
    assert.equal(run.values()[0]?.typeName, "REG_EXPAND_SZ");
  });

  it("SYSTEM_WIN_10_1709: Select values as DWORDs", () => {
    const hive = openHive(corpusHive("SYSTEM_WIN_10_1709.xz"), "SYSTEM");
    const select = hive.key("Select");
    for (const [name, n] of Object.entries(expected["SYSTEM_WIN_10_1709.xz"].select)) {
      assert.equal(select?.value(name)?.decoded(), n);
    }
  });

  it("SYSTEM: computer name string and control sets", () => {
    const hive = openHive(corpusHive("SYSTEM.xz"), "SYSTEM");
    const name = hive.key("ControlSet001\\Control\\ComputerName\\ComputerName")?.value("ComputerName");
    assert.equal(name?.type, REG.SZ);
    assert.ok(expected["SYSTEM.xz"].computer_names.some((c: { name: string }) => c.name === name?.string()));
    const sets = hive
      .root()
      .subkeys()
      .map((k) => k.name)
      .filter((n) => n.startsWith("ControlSet"));
    assert.deepEqual(sets, expected["SYSTEM.xz"].processor.control_sets);
  });

  it("NTUSER_with_winscp: per-user Uninstall entry decoded", () => {
    const hive = openHive(corpusHive("NTUSER_with_winscp.DAT.xz"), "NTUSER");
    const want = expected["NTUSER_with_winscp.DAT.xz"];
    const uninstall = hive.key("Software\\Microsoft\\Windows\\CurrentVersion\\Uninstall");
    assert.equal(uninstall?.subkeys().length, want.per_user_uninstall_entries);
    const zoom = uninstall?.subkey("zoomumx");
    assert.equal(zoom?.value("DisplayName")?.string(), want.example_uninstall_entry.DisplayName);
    assert.equal(zoom?.value("DisplayVersion")?.string(), want.example_uninstall_entry.DisplayVersion);
    assert.equal(zoom?.value("EstimatedSize")?.number(), want.example_uninstall_entry.EstimatedSize);
  });

  it("dirty hive (transactions/NTUSER.DAT) is read as it stands with a note", () => {
    const hive = openHive(corpusHive("transactions/NTUSER.DAT.xz"), "NTUSER.DAT");
    assert.equal(hive.header.dirty, true);
    assert.match(hive.notes.join("\n"), /dirty hive/);
    const names = hive
      .key("Control Panel\\International")
      ?.subkeys()
      .map((k) => k.name);
    assert.deepEqual(
      names,
      expected["transactions/NTUSER.DAT.xz"].subkeys_of["\\Control Panel\\International"],
    );
  });

  it("corrupted_system_hive: typed errors, no crash", () => {
    const hive = openHive(corpusHive("corrupted_system_hive.xz"), "corrupted_system_hive");
    assert.match(hive.notes.join("\n"), /hive bins read partially/);
    const errors: unknown[] = [];
    const keys = [...hive.walk((_, e) => errors.push(e))];
    assert.ok(keys.length >= 1);
    assert.ok(errors.every((e) => e instanceof ImageFormatError));
  });
});

describe("regf reader on written hives (writer checked against hivex)", () => {
  const big = Buffer.from(Array.from({ length: 40000 }, (_, i) => (i * 7) & 255));
  const spec = {
    values: { "": "default" },
    keys: {
      Software: {
        values: {
          S: "text",
          E: { type: REG.EXPAND_SZ, data: Buffer.from("%SystemRoot%\0", "utf16le") },
          D: 7,
          Q: 1n << 40n,
          M: ["a", "b"],
          B: Buffer.from([1, 2, 3]),
          Big: big,
        },
        keys: {
          "Ünï😀": { values: { be: { type: REG.DWORD_BIG_ENDIAN, data: Buffer.from([0, 0, 1, 0]) } } },
        },
      },
      ...Object.fromEntries(Array.from({ length: 20 }, (_, i) => [`k${i}`, { values: { v: i } }])),
    },
  };

  it("writer output is what hivexregedit reads, and what we read", () => {
    const file = path.join(path.dirname(corpusHivePath("SAM.xz")), "written.hive");
    const bytes = writeHive(spec, { riChunk: 6 });
    writeFileSync(file, bytes);
    const theirs = hivexDump(file);
    assert.deepEqual(ourDump(openHive(bytes, "written")), theirs);
    assert.ok(theirs.some((l) => l.startsWith("V SOFTWARE\tBig\t3\t") && l.length > 80000));
  });

  it("decodes every value type", () => {
    const hive = openHive(writeHive(spec), "written");
    const sw = hive.key("/software")!;
    assert.equal(sw.value("s")?.decoded(), "text");
    assert.equal(sw.value("E")?.decoded(), "%SystemRoot%");
    assert.equal(sw.value("D")?.decoded(), 7);
    assert.equal(sw.value("Q")?.decoded(), 1n << 40n);
    assert.deepEqual(sw.value("M")?.decoded(), ["a", "b"]);
    assert.deepEqual(sw.value("B")?.decoded(), Buffer.from([1, 2, 3]));
    assert.deepEqual(sw.value("Big")?.data(), big);
    assert.equal(hive.key("Software\\ünï😀")?.value("be")?.decoded(), 256);
    assert.equal(hive.root().value("")?.decoded(), "default");
    assert.equal(hive.key("Software\\missing"), undefined);
  });

  it("dirty hive gets a note, bad checksum gets a note", () => {
    const bytes = writeHive(spec, { dirty: true });
    bytes.writeUInt32LE(12345, 508);
    const notes = openHive(bytes, "w").notes.join("\n");
    assert.match(notes, /dirty hive/);
    assert.match(notes, /checksum 12345/);
  });
});

describe("regf reader on hostile hives", () => {
  const base = () => writeHive({ keys: { A: { values: { v: "x" } }, B: {} } });

  it("not a hive / truncated base block / no hive bins", () => {
    assert.throws(() => openHive(Buffer.alloc(100), "x"), ImageFormatError);
    assert.throws(() => openHive(Buffer.alloc(8192), "x"), /signature "regf"/);
    assert.throws(() => openHive(base().subarray(0, 4096), "x"), /regf hive bin/);
  });

  it("truncated hive: partial bins noted, cells beyond the end are typed errors", () => {
    const real = corpusHive("NTUSER.DAT.xz");
    const hive = openHive(real.subarray(0, 300 * 1024), "cut");
    assert.match(hive.notes.join(), /header claims/);
    const errors: unknown[] = [];
    const keys = [...hive.walk((_, e) => errors.push(e))].length;
    assert.ok(keys > 1 && keys < 1813, `some keys readable (${keys})`);
    assert.ok(errors.length > 0 && errors.every((e) => e instanceof ImageFormatError));
  });

  it("a cell offset outside the hive bins", () => {
    const bytes = base();
    bytes.writeUInt32LE(0x7ffffff0, 36);
    assert.throws(() => openHive(bytes, "x").root(), /inside a hive bin/);
  });

  it("an ri list pointing back at itself is a cycle, not a hang", () => {
    const bytes = base();
    const hive = openHive(bytes, "x");
    const listOffset = hive.root().node.subkeyListOffset;
    const at = 4096 + listOffset + 4;
    bytes.write("ri", at, "latin1");
    bytes.writeUInt16LE(1, at + 2);
    bytes.writeUInt32LE(listOffset, at + 4);
    assert.throws(() => openHive(bytes, "x").root().subkeys(), /no cycle/);
  });

  it("absurd counts are bounded by the cell", () => {
    const bytes = base();
    const hive = openHive(bytes, "x");
    const root = hive.root().node;
    bytes.writeUInt32LE(0xffffffff, 4096 + root.offset + 4 + 20); // subkey count
    const at = 4096 + root.subkeyListOffset + 4;
    bytes.writeUInt16LE(0xffff, at + 2);
    assert.throws(() => openHive(bytes, "x").root().subkeys(), /entries within the cell/);
    const a = openHive(base(), "x").key("A")!.node;
    const b2 = base();
    b2.writeUInt32LE(0x10000000, 4096 + a.offset + 4 + 36); // value count
    assert.throws(() => openHive(b2, "x").key("A")!.values(), /value offsets within the cell/);
  });

  it("a key that is its own subkey is walked once", () => {
    const bytes = base();
    const hive = openHive(bytes, "x");
    const root = hive.root().node;
    const at = 4096 + root.subkeyListOffset + 4;
    bytes.writeUInt32LE(root.offset, at + 4); // first entry → root itself
    const errors: unknown[] = [];
    const keys = [...openHive(bytes, "x").walk((_, e) => errors.push(e))];
    assert.equal(keys.length, 2);
    assert.match(String(errors[0]), /cycle/);
  });
});
