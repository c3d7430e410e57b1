/**
 * `npm run recall [-- --baseline <git-ref>]`: scans the Debian rootfs with the seeded set of
 * bench/recall-seeds.ts laid over it and prints, per seed, whether a finding names its file —
 * recall over the "secret" seeds, false alarms over the "clean" ones. With --baseline, the same
 * tree is scanned by that commit's CLI (a temporary git worktree) for a before/after table. With
 * --archived, the seeds are not laid out as files but packed, at their paths, into one backup
 * tarball (ARCHIVE below): a seed counts as found when a finding names its member in it.
 */
import { execFileSync, spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import { SEEDS } from "./recall-seeds.js";

const repo = path.resolve(import.meta.dirname, "..");
const AS_OF = "2026-12-05";

interface ScanFinding {
  rule: string;
  path?: string;
}

/** Where --archived puts the seeds: a .tar.gz a seller's backup job left, its members at their paths. */
const ARCHIVE = "/var/backups/site-backup.tar.gz";

function buildTree(archived: boolean): string {
  const rootfs = execFileSync("bash", [path.join(repo, "fixtures/debian-rootfs.sh")], { encoding: "utf8" })
    .trim()
    .split("\n")
    .pop()!;
  const tree = mkdtempSync(path.join(tmpdir(), "amigate-recall-"));
  execFileSync("cp", ["-a", "--reflink=auto", `${rootfs}/.`, tree]);
  const seeds = archived ? mkdtempSync(path.join(tmpdir(), "amigate-recall-seeds-")) : tree;
  for (const s of SEEDS) {
    const file = path.join(seeds, s.path);
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(file, s.content);
  }
  if (archived) {
    mkdirSync(path.join(tree, path.dirname(ARCHIVE)), { recursive: true });
    execFileSync("tar", ["-czf", path.join(tree, ARCHIVE), "-C", seeds, "."]);
    rmSync(seeds, { recursive: true, force: true });
  }
  return tree;
}

/** The path a finding gives a seed: its file, or its member in ARCHIVE. */
const seedPath = (seed: string, archived: boolean) => (archived ? `${ARCHIVE}!${seed}` : seed);

/** Findings by path, from `amigate scan --format json` of the CLI in `checkout`. */
function scan(checkout: string, tree: string): Map<string, Set<string>> {
  // Exit 1 is a failing verdict, which a seeded image should get: read the report either way.
  const r = spawnSync(
    process.execPath,
    ["--import", "tsx", "src/cli/main.ts", "scan", tree, "--format", "json", "--as-of", AS_OF],
    { cwd: checkout, encoding: "utf8", maxBuffer: 256 * 1024 * 1024 },
  );
  if (r.status !== 0 && r.status !== 1)
    throw new Error(`scan in ${checkout} exited ${r.status}: ${r.stderr}`);
  const out = r.stdout;
  const { findings } = JSON.parse(out) as { findings: ScanFinding[] };
  const byPath = new Map<string, Set<string>>();
  for (const f of findings) {
    if (f.path === undefined) continue;
    const rules = byPath.get(f.path) ?? new Set<string>();
    rules.add(f.rule);
    byPath.set(f.path, rules);
  }
  return byPath;
}

function withCheckout<T>(ref: string, run: (dir: string) => T): T {
  const dir = mkdtempSync(path.join(tmpdir(), "amigate-recall-ref-"));
  rmSync(dir, { recursive: true });
  execFileSync("git", ["worktree", "add", "--detach", "-q", dir, ref], { cwd: repo });
  try {
    symlinkSync(path.join(repo, "node_modules"), path.join(dir, "node_modules"));
    return run(dir);
  } finally {
    execFileSync("git", ["worktree", "remove", "--force", dir], { cwd: repo });
  }
}

function summary(name: string, found: Map<string, Set<string>>, archived: boolean): string {
  const secrets = SEEDS.filter((s) => s.expect === "secret");
  const clean = SEEDS.filter((s) => s.expect === "clean");
  const hit = secrets.filter((s) => found.has(seedPath(s.path, archived))).length;
  const alarms = clean.filter((s) => found.has(seedPath(s.path, archived))).length;
  return `${name}: recall ${hit}/${secrets.length} (${((100 * hit) / secrets.length).toFixed(0)} %), false alarms ${alarms}/${clean.length}`;
}

function main(): void {
  const { values } = parseArgs({ options: { baseline: { type: "string" }, archived: { type: "boolean" } } });
  const archived = values.archived === true;
  const tree = buildTree(archived);
  try {
    const now = scan(repo, tree);
    const before = values.baseline ? withCheckout(values.baseline, (dir) => scan(dir, tree)) : undefined;
    const cell = (m: Map<string, Set<string>> | undefined, seed: string) => {
      const p = seedPath(seed, archived);
      return m === undefined ? "" : m.has(p) ? [...m.get(p)!].sort().join(",") : "—";
    };
    console.log(
      `seeded set: ${SEEDS.length} seeds over the Debian bookworm rootfs${archived ? `, packed into ${ARCHIVE}` : ""}, scanned --as-of ${AS_OF}`,
    );
    console.log(["expect", "seed", ...(before ? [`before (${values.baseline})`] : []), "now"].join(" | "));
    for (const s of SEEDS)
      console.log(
        [
          s.expect,
          `${s.label} (${s.path})`,
          ...(before ? [cell(before, s.path)] : []),
          cell(now, s.path),
        ].join(" | "),
      );
    if (before) console.log(summary(`before (${values.baseline})`, before, archived));
    console.log(summary("now", now, archived));
  } finally {
    rmSync(tree, { recursive: true, force: true });
  }
}

main();
