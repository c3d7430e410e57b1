/**
 * The completion scripts of the real CLI, run in the real shells: bash always; zsh and fish where
 * installed (Debian packages zsh, fish).
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import { REPO_ROOT } from "../../test/support/trees.js";

const MAIN = path.join(REPO_ROOT, "src/cli/main.ts");
const TSX = import.meta.resolve("tsx");
const work = mkdtempSync(path.join(tmpdir(), "amigate-completion-"));
after(() => rmSync(work, { recursive: true, force: true }));
const has = (shell: string) => spawnSync(shell, ["-c", "exit 0"]).status === 0;

function script(shell: string): string {
  const r = spawnSync(process.execPath, ["--import", TSX, MAIN, "completion", shell], { encoding: "utf8" });
  assert.equal(r.status, 0, r.stderr);
  const file = path.join(work, `amigate.${shell}`);
  writeFileSync(file, r.stdout);
  return file;
}

describe("bash", () => {
  let file: string;
  before(() => {
    file = script("bash");
    writeFileSync(path.join(work, "report.json"), "{}");
  });

  /** What bash offers for the line typed so far (the last word is the one being completed). */
  function offers(line: string): string[] {
    const words = line.split(" ");
    const r = spawnSync(
      "bash",
      [
        "-c",
        `source ${file}; COMP_WORDS=(${words.map((w) => `'${w}'`).join(" ")}); COMP_CWORD=${words.length - 1}; _amigate; printf '%s\\n' "\${COMPREPLY[@]}"`,
      ],
      { cwd: work, encoding: "utf8" },
    );
    assert.equal(r.status, 0, r.stderr);
    return r.stdout.split("\n").filter((w) => w !== "");
  }

  it("completes commands, subcommands, flags and their values from the command definitions", () => {
    assert.deepEqual(offers("amigate sc"), ["scan"]);
    assert.deepEqual(offers("amigate p"), ["policy", "packages", "push", "pull"]);
    assert.deepEqual(offers("amigate scan --fo"), ["--format"]);
    assert.deepEqual(offers("amigate scan disk.raw --format "), ["text", "json", "sarif", "junit", "html"]);
    assert.deepEqual(offers("amigate scan disk.raw --fail-on h"), ["high"]);
    assert.deepEqual(offers("amigate scan --no-"), ["--no-progress", "--no-attestations"]);
    assert.deepEqual(offers("amigate packages disk.raw -f "), ["text", "json", "cyclonedx", "spdx"]);
    assert.deepEqual(offers("amigate db st"), ["status"]);
    assert.deepEqual(offers("amigate db status --"), ["--db", "--format", "--output", "--json"]);
    // A flag that takes a file: file names.
    assert.deepEqual(offers("amigate scan disk.raw --output rep"), ["report.json"]);
    assert.deepEqual(offers("amigate scan --as-of 2026-01-01 -q --severity HIGH --f"), [
      "--format",
      "--fail-on",
    ]);
  });
});

describe("zsh", { skip: !has("zsh") && "no zsh" }, () => {
  it("loads through bashcompinit and offers the same words", () => {
    const file = script("zsh");
    // bashcompinit's compgen -F calls the function under sh emulation (0-based arrays), as here.
    const offers = (words: string[]) => {
      const r = spawnSync(
        "zsh",
        [
          "-c",
          `autoload -U compinit && compinit -u; source ${file}; () { emulate -L sh; setopt kshglob noshglob braceexpand; COMP_WORDS=(${words.map((w) => `'${w}'`).join(" ")}); COMP_CWORD=${words.length - 1}; _amigate; printf '%s\\n' "\${COMPREPLY[@]}"; }`,
        ],
        { cwd: work, encoding: "utf8", env: { ...process.env, HOME: work } },
      );
      assert.equal(r.status, 0, r.stderr);
      return r.stdout.split("\n").filter((w) => w !== "");
    };
    // zsh's own completion narrows the words to the typed prefix afterwards; the words are scan's flags.
    assert.ok(offers(["amigate", "scan", "--fo"]).includes("--format"));
    assert.ok(!offers(["amigate", "scan", "--fo"]).includes("--endpoint"));
    assert.deepEqual(offers(["amigate", "packages", "x", "-f", ""]), ["text", "json", "cyclonedx", "spdx"]);
  });
});

describe("fish", { skip: !has("fish") && "no fish" }, () => {
  it("offers commands with descriptions, flags and their values", () => {
    const file = script("fish");
    const complete = (line: string) => {
      const r = spawnSync("fish", ["--no-config", "-c", `source ${file}; complete -C '${line}'`], {
        cwd: work,
        encoding: "utf8",
        env: { ...process.env, HOME: work },
      });
      assert.equal(r.status, 0, r.stderr);
      return r.stdout.split("\n").filter((l) => l !== "");
    };
    assert.deepEqual(complete("amigate sc"), [
      "scan\tScan an image (directory, tar archive or disk image) against the AMI policies",
    ]);
    assert.ok(complete("amigate scan --fo").some((l) => l.startsWith("--format\t")));
    assert.deepEqual(
      complete("amigate packages x --format ").map((l) => l.split("\t")[0]),
      ["cyclonedx", "json", "spdx", "text"],
    );
    assert.deepEqual(
      complete("amigate db st").map((l) => l.split("\t")[0]),
      ["status"],
    );
  });
});
