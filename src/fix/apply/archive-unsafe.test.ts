import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import { END_OF_ARCHIVE, tarEntry } from "../../target/tar/testing.js";
import type { JournalEntry } from "../journal.js";
import { DEFAULT_FIX_OPTIONS } from "../operation.js";
import { selectOperations } from "../planner.js";
import { runFix } from "../run.js";
import { DROP_UNSAFE } from "./archive.js";

const sha = (s: string) => createHash("sha256").update(s).digest("hex");

let dir: string;
const at = (name: string) => path.join(dir, name);

before(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), "amigate-fix-unsafe-"));
  const tar = Buffer.concat([
    tarEntry({ name: "./", typeflag: "5" }),
    tarEntry({ name: "./ok" }, "ok\n"),
    tarEntry({ name: "../evil" }, "escaped\n"),
    tarEntry({ name: "/etc/evil" }, "absolute\n"),
    // A hard link out of the root, and one to the absolute entry (GNU tar: "etc/evil").
    tarEntry({ name: "./shadow", typeflag: "1", linkname: "../../etc/shadow" }),
    tarEntry({ name: "./evil-link", typeflag: "1", linkname: "/etc/evil" }),
    // Symlinks keep their targets, absolute or climbing.
    tarEntry({ name: "./bin", typeflag: "2", linkname: "/usr/bin" }),
    tarEntry({ name: "./up", typeflag: "2", linkname: "../.." }),
    END_OF_ARCHIVE,
  ]);
  writeFileSync(at("evil.tar"), tar);
  execFileSync("gzip", ["-k", "-n", at("evil.tar")]);
});
after(() => rmSync(dir, { recursive: true, force: true }));

describe("fix ARCHIVE -o leaves out entries extracted outside the root", () => {
  for (const ext of ["tar", "tar.gz"]) {
    it(`${ext}: ./ok stays, ../evil, /etc/evil and the climbing hard link go, each journaled`, async () => {
      const output = at(`clean.${ext}`);
      const journalFile = at(`journal-${ext}.jsonl`);
      const result = await runFix({
        input: at(`evil.${ext}`),
        apply: true,
        output,
        journal: journalFile,
        options: DEFAULT_FIX_OPTIONS,
        selected: selectOperations({}),
      });
      const listing = execFileSync("tar", ["-tvf", output], { encoding: "utf8" });
      const names = execFileSync("tar", ["-tf", output], { encoding: "utf8" }).trim().split("\n");
      assert.deepEqual(names, ["./", "./ok", "./bin", "./up"], listing);
      assert.doesNotMatch(listing, /evil|shadow/);
      assert.match(listing, /\.\/bin -> \/usr\/bin/);

      const journal = readFileSync(journalFile, "utf8")
        .trim()
        .split("\n")
        .map((l) => JSON.parse(l) as JournalEntry);
      const drops = journal.filter((j) => j.operation === DROP_UNSAFE);
      assert.deepEqual(
        drops.map(({ action, path, before, after, status }) => ({ action, path, before, after, status })),
        [
          { action: "remove", path: "../evil", before: sha("escaped\n"), after: "absent", status: "applied" },
          {
            action: "remove",
            path: "/etc/evil",
            before: sha("absolute\n"),
            after: "absent",
            status: "applied",
          },
          {
            action: "remove",
            path: "./shadow",
            before: "hardlink:../../etc/shadow",
            after: "absent",
            status: "applied",
          },
        ],
      );
      assert.match(
        drops[0]!.detail!,
        /^tar entry "\.\.\/evil" left out of the cleaned archive: '\.\.' component$/,
      );
      assert.ok(result.outcomes.filter((o) => o.change.operation === DROP_UNSAFE).length === 3);
      assert.deepEqual(
        result.plan.notices.filter((n) => n.operation === DROP_UNSAFE).map((n) => n.path),
        ["../evil", "/etc/evil", "./shadow"],
      );

      // Extracted, the cleaned archive stays inside its directory.
      const into = at(`x-${ext}/inside`);
      mkdirSync(into, { recursive: true });
      execFileSync("tar", ["-xf", output, "-C", into]);
      assert.deepEqual(readdirSync(path.dirname(into)), ["inside"]);
      assert.deepEqual(readdirSync(into).sort(), ["bin", "ok", "up"]);
    });
  }

  it("without -o the plan says which entries the cleaned archive leaves out", async () => {
    const result = await runFix({
      input: at("evil.tar"),
      apply: false,
      options: DEFAULT_FIX_OPTIONS,
      selected: selectOperations({}),
    });
    assert.deepEqual(
      result.plan.notices.filter((n) => n.operation === DROP_UNSAFE).map((n) => `${n.path}: ${n.message}`),
      [
        "../evil: '..' component: extracting it writes outside the root; left out of the cleaned archive",
        "/etc/evil: absolute name: extracting it writes outside the root; left out of the cleaned archive",
        "./shadow: '..' component in the hard link's target: extracting it writes outside the root; left out of the cleaned archive",
      ],
    );
  });
});
