import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import { openTarget } from "../../target/open.js";
import { END_OF_ARCHIVE, evilArchive, tarEntry } from "../../target/tar/testing.js";
import { targetFindings } from "../target-findings.js";
import rule from "./archive-unsafe-entry.js";
import { rules } from "./index.js";

let dir: string;
const at = (name: string) => path.join(dir, name);

/** The findings a scan of `file` reports for this rule (the target's own, through targetFindings). */
async function findingsOf(file: string, ruleList = rules) {
  const target = await openTarget(file);
  try {
    return targetFindings(target.findings, ruleList);
  } finally {
    await target.close();
  }
}

before(async () => {
  dir = mkdtempSync(path.join(os.tmpdir(), "amigate-unsafe-entry-"));
  writeFileSync(at("evil.tar"), await evilArchive());
  // A root filesystem as GNU tar stores it: absolute and climbing symlinks, hard links, "./" names.
  const root = at("root");
  mkdirSync(path.join(root, "usr/bin"), { recursive: true });
  mkdirSync(path.join(root, "etc/alternatives"), { recursive: true });
  writeFileSync(path.join(root, "usr/bin/perl5.36"), "#!perl\n");
  execFileSync("ln", [path.join(root, "usr/bin/perl5.36"), path.join(root, "usr/bin/perl")]);
  symlinkSync("/usr/bin", path.join(root, "bin"));
  symlinkSync("../../usr/bin/perl", path.join(root, "etc/alternatives/perl"));
  execFileSync("tar", ["-C", root, "-czf", at("rootfs.tar.gz"), "."]);
  writeFileSync(
    at("links.tar"),
    Buffer.concat([
      tarEntry({ name: "./etc/passwd" }, "root:x:0:0::/root:/bin/sh\n"),
      // A hard link out of the root: extraction links the host's file into the image.
      tarEntry({ name: "./etc/shadow", typeflag: "1", linkname: "../../../etc/shadow" }),
      // A symlink out of the root: judged by nothing (symlinks are resolved inside the image).
      tarEntry({ name: "./etc/up", typeflag: "2", linkname: "../../../../etc" }),
      // An absolute hard-link target: GNU tar links it inside the root; a note, not a finding.
      tarEntry({ name: "./etc/passwd-", typeflag: "1", linkname: "/etc/passwd" }),
      tarEntry({ name: "././/etc/cron.d/x" }, "* * * * * root sh\n"),
      tarEntry({ name: "../\x1b[2Jclear" }, "escape\n"),
      END_OF_ARCHIVE,
    ]),
  );
});
after(() => rmSync(dir, { recursive: true, force: true }));

describe("rule archive-unsafe-entry", () => {
  it("is registered, names clause SEC-1, high, with a remediation; its check sees no facts", () => {
    assert.ok(rules.includes(rule));
    assert.deepEqual([...rule.clauses], ["SEC-1"]);
    assert.equal(rule.severity, "high");
    assert.ok(rule.remediation.length > 0);
    assert.deepEqual(rule.facts, []);
    assert.deepEqual(rule.check({}), []);
  });

  it("fails an archive with ../ and absolute entries, one finding each, naming the entry", async () => {
    const findings = await findingsOf(at("evil.tar"));
    assert.deepEqual(
      findings.map((f) => [f.rule, f.severity, f.clauses, f.root, f.fixable, f.message]),
      [
        [
          "archive-unsafe-entry",
          "high",
          ["SEC-1"],
          "/",
          false,
          "tar entry \"../evil\" ('..' component) is written outside the directory the archive is extracted into",
        ],
        [
          "archive-unsafe-entry",
          "high",
          ["SEC-1"],
          "/",
          false,
          'tar entry "/etc/evil" (absolute name) is written outside the directory the archive is extracted into',
        ],
      ],
    );
    assert.equal(findings[0]!.title, rule.title);
    assert.equal(findings[0]!.remediation, rule.remediation);
  });

  it("passes a GNU tar of a root filesystem with absolute and climbing symlinks and hard links", async () => {
    assert.deepEqual(await findingsOf(at("rootfs.tar.gz")), []);
  });

  it("flags hard links whose target climbs out and './/' absolute names, never symlink targets; escapes control characters", async () => {
    const messages = (await findingsOf(at("links.tar"))).map((f) => f.message);
    assert.deepEqual(messages, [
      'tar entry "./etc/shadow" is a hard link to "../../../etc/shadow" (\'..\' component in the hard link\'s target): extracting it links a file outside the directory the archive is extracted into',
      'tar entry "././/etc/cron.d/x" (absolute name) is written outside the directory the archive is extracted into',
      "tar entry \"../\\x1b[2Jclear\" ('..' component) is written outside the directory the archive is extracted into",
    ]);
  });

  it("each finding names its message and data; the message is the rule's template filled in", async () => {
    const findings = [...(await findingsOf(at("evil.tar"))), ...(await findingsOf(at("links.tar")))];
    assert.deepEqual(
      findings.map((f) => [f.messageId, f.data]),
      [
        ["entryOutside", { entry: "../evil", reason: "'..' component" }],
        ["entryOutside", { entry: "/etc/evil", reason: "absolute name" }],
        [
          "hardLinkOutside",
          {
            entry: "./etc/shadow",
            target: "../../../etc/shadow",
            reason: "'..' component in the hard link's target",
          },
        ],
        ["entryOutside", { entry: "././/etc/cron.d/x", reason: "absolute name" }],
        ["entryOutside", { entry: "../\\x1b[2Jclear", reason: "'..' component" }],
      ],
    );
  });

  it("past the first 1000 unsafe entries, one moreEntriesOutside finding counts the rest", async () => {
    const file = at("many-unsafe.tar");
    const entries = Array.from({ length: 1002 }, (_, i) => tarEntry({ name: `../e${i}` }));
    writeFileSync(file, Buffer.concat([...entries, END_OF_ARCHIVE]));
    const findings = await findingsOf(file);
    assert.equal(findings.length, 1001);
    const last = findings.at(-1)!;
    assert.deepEqual(
      [last.messageId, last.data, last.message],
      [
        "moreEntriesOutside",
        { count: 2, listed: 1000 },
        "2 more tar entries are written outside the directory the archive is extracted into (only the first 1000 are listed)",
      ],
    );
  });

  it("reports nothing when the rule is not run", async () => {
    assert.deepEqual(
      await findingsOf(
        at("evil.tar"),
        rules.filter((r) => r.id !== rule.id),
      ),
      [],
    );
  });
});
