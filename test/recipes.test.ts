/**
 * The CI recipes in recipes/ run for real: Packer's `validate` and `build` (the null builder with
 * a shell-local provisioner) on copies of the Debian rootfs, the EC2 Image Builder component's
 * ExecuteBash steps phase by phase, and the GitHub Action's shell steps with GITHUB_OUTPUT. Each
 * is run on a tree whose mistakes `fix` can mend (the recipe passes) and on the seeded tree whose
 * AWS keys and deploy key only the seller can remove (the recipe fails, naming them).
 */
import assert from "node:assert/strict";
import { execFileSync, spawnSync } from "node:child_process";
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { after, before, describe, test } from "node:test";
import { parse } from "yaml";
import { debianRootfsPath, REPO_ROOT } from "./support/trees.js";

const work = mkdtempSync(path.join(os.tmpdir(), "amigate-recipes-"));
after(() => rmSync(work, { recursive: true, force: true }));
const bin = path.join(work, "bin");
const RECIPES = path.join(REPO_ROOT, "recipes");
let seeded: string;

before(() => {
  // `amigate` on PATH as a user has it; scans judge end of life on a fixed day so the verdicts
  // below do not change with the calendar.
  mkdirSync(bin);
  const shim = path.join(bin, "amigate");
  writeFileSync(
    shim,
    `#!/bin/sh\ncmd="$1"; shift\ncase "$cmd" in scan|fix) set -- "$cmd" --as-of 2026-03-01 "$@";; *) set -- "$cmd" "$@";; esac\nexec "${path.join(REPO_ROOT, "node_modules/.bin/tsx")}" "${path.join(REPO_ROOT, "src/cli/main.ts")}" "$@"\n`,
  );
  chmodSync(shim, 0o755);
  seeded = execFileSync("bash", [path.join(REPO_ROOT, "fixtures/debian-seeded.sh")], {
    encoding: "utf8",
  }).split("\n")[0]!;
});

/** A copy of the Debian rootfs with what a build leaves behind: fix mends all of it. */
function fixableTree(name: string): string {
  const root = path.join(work, name);
  execFileSync("cp", ["-a", debianRootfsPath(), root]);
  writeFileSync(path.join(root, "root/.bash_history"), "mysql -u root -pS3cretPass\n");
  mkdirSync(path.join(root, "root/.ssh"), { recursive: true });
  writeFileSync(
    path.join(root, "root/.ssh/authorized_keys"),
    "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGpc8wq4hN4t9UXS2YxQx9cH0a7JZ2Kl1qbYl7rY9gq4 builder@ci\n",
  );
  writeFileSync(path.join(root, "etc/ssh/sshd_config.d/50-build.conf"), "PasswordAuthentication yes\n");
  return root;
}

function seededTree(name: string): string {
  const root = path.join(work, name);
  execFileSync("cp", ["-a", seeded, root]);
  return root;
}

const env = () => ({
  ...process.env,
  PATH: `${bin}:${process.env.PATH}`,
  CHECKPOINT_DISABLE: "1",
  PACKER_LOG: "0",
  FORCE_COLOR: "0",
  NO_COLOR: "1",
});

function run(cmd: string, args: string[], cwd = work) {
  const r = spawnSync(cmd, args, { cwd, env: env(), encoding: "utf8", maxBuffer: 32 * 1024 * 1024 });
  return { status: r.status, out: `${r.stdout}${r.stderr}` };
}

const havePacker = spawnSync("packer", ["version"]).status === 0;

describe("Packer: null builder, shell-local provisioner", { skip: !havePacker }, () => {
  const template = path.join(RECIPES, "packer/local-tree.pkr.hcl");

  test("packer validate accepts both templates", () => {
    const local = run("packer", ["validate", "-var", "root=/tmp", template]);
    assert.equal(local.status, 0, local.out);
    const ebs = run("packer", ["validate", "-syntax-only", path.join(RECIPES, "packer/amazon-ebs.pkr.hcl")]);
    assert.equal(ebs.status, 0, ebs.out);
  });

  test("packer build cleans a tree fix can mend and passes; the SARIF report is written", () => {
    const root = fixableTree("packer-ok");
    const report = path.join(work, "packer-ok.sarif");
    const r = run("packer", [
      "build",
      "-color=false",
      "-var",
      `root=${root}`,
      "-var",
      `report=${report}`,
      template,
    ]);
    assert.equal(r.status, 0, r.out);
    // Histories are emptied (the file is kept, so its permissions stay); keys are removed.
    assert.equal(readFileSync(path.join(root, "root/.bash_history"), "utf8"), "");
    assert.equal(existsSync(path.join(root, "root/.ssh/authorized_keys")), false);
    const sarif = JSON.parse(readFileSync(report, "utf8")) as { version: string; runs: unknown[] };
    assert.equal(sarif.version, "2.1.0");
  });

  test("packer build fails on what only the seller can remove, and says what it is", () => {
    const root = seededTree("packer-fail");
    const report = path.join(work, "packer-fail.sarif");
    const r = run("packer", [
      "build",
      "-color=false",
      "-var",
      `root=${root}`,
      "-var",
      `report=${report}`,
      template,
    ]);
    assert.notEqual(r.status, 0, r.out);
    // fix's exit 1 (findings it cannot mend) does not stop the build: the scan writes its report.
    assert.ok(existsSync(report));
    assert.match(r.out, /aws-credentials/);
    assert.match(r.out, /private-key-in-image/);
  });
});

interface ComponentStep {
  name: string;
  action: string;
  inputs: { commands: string[] };
}
interface Component {
  name: string;
  description: string;
  schemaVersion: number | string;
  parameters?: Array<Record<string, { type: string; default?: string; description?: string }>>;
  phases: Array<{ name: string; steps: ComponentStep[] }>;
}

/**
 * The component document rules AWS documents ("Create a YAML component document"): name,
 * description and schemaVersion 1.0 at the top; phases named build, validate or test, each once;
 * steps with a name unique in its phase (alphanumerics, - and _), an action module, and for
 * ExecuteBash a list of commands; parameters as single-key maps of {type: string, default, …}.
 */
function componentProblems(doc: Component): string[] {
  const problems: string[] = [];
  const keys = Object.keys(doc);
  for (const k of keys)
    if (!["name", "description", "schemaVersion", "parameters", "phases", "constants"].includes(k))
      problems.push(`unknown top-level key ${k}`);
  // YAML reads the documented `schemaVersion: 1.0` as the number 1.
  if (doc.schemaVersion !== 1 && doc.schemaVersion !== "1.0") problems.push("schemaVersion must be 1.0");
  if (typeof doc.name !== "string" || doc.name === "") problems.push("name missing");
  const phases = doc.phases ?? [];
  if (phases.length === 0) problems.push("no phases");
  const seen = new Set<string>();
  for (const p of phases) {
    if (!["build", "validate", "test"].includes(p.name))
      problems.push(`phase ${p.name} is not build, validate or test`);
    if (seen.has(p.name)) problems.push(`phase ${p.name} twice`);
    seen.add(p.name);
    const names = new Set<string>();
    for (const s of p.steps ?? []) {
      if (!/^[A-Za-z0-9_-]{1,128}$/.test(s.name ?? "")) problems.push(`step name ${s.name}`);
      if (names.has(s.name)) problems.push(`step ${s.name} twice in ${p.name}`);
      names.add(s.name);
      if (s.action !== "ExecuteBash") problems.push(`step ${s.name}: only ExecuteBash is used here`);
      if (!Array.isArray(s.inputs?.commands) || !s.inputs.commands.every((c) => typeof c === "string"))
        problems.push(`step ${s.name}: inputs.commands must be a list of strings`);
    }
  }
  for (const p of doc.parameters ?? []) {
    const entries = Object.entries(p);
    if (entries.length !== 1) problems.push("a parameter is a map with one key");
    for (const [k, v] of entries)
      if (v.type !== "string") problems.push(`parameter ${k}: type must be string`);
  }
  return problems;
}

describe("EC2 Image Builder component", () => {
  const doc = parse(
    readFileSync(path.join(RECIPES, "imagebuilder/amigate-component.yml"), "utf8"),
  ) as Component;

  test("follows the component document rules", () => {
    assert.deepEqual(componentProblems(doc), []);
    // The checker itself catches a broken document.
    const broken = structuredClone(doc);
    broken.phases[0]!.name = "deploy";
    broken.phases[0]!.steps[1]!.name = broken.phases[0]!.steps[0]!.name;
    assert.equal(componentProblems(broken).length, 2);
  });

  /** Runs build, validate and test in order, as Image Builder does; returns the failing step. */
  function runPhases(root: string): { failed?: string; out: string } {
    const values: Record<string, string> = { Root: root, FailOn: "high", AmigateVersion: "latest" };
    let out = "";
    for (const phase of ["build", "validate", "test"])
      for (const step of doc.phases.find((p) => p.name === phase)?.steps ?? [])
        for (const command of step.inputs.commands) {
          const text = command.replace(/\{\{\s*(\w+)\s*\}\}/g, (_m, k: string) => {
            assert.ok(k in values, `unknown parameter ${k}`);
            return values[k]!;
          });
          const r = run("bash", ["-c", text]);
          out += r.out;
          if (r.status !== 0) return { failed: `${phase}/${step.name}`, out };
        }
    return { out };
  }

  test("its steps clean a tree fix can mend and pass every phase", () => {
    const root = fixableTree("ib-ok");
    const r = runPhases(root);
    assert.equal(r.failed, undefined, r.out);
    assert.equal(readFileSync(path.join(root, "root/.bash_history"), "utf8"), "");
  });

  test("its validate phase fails on what only the seller can remove", () => {
    const r = runPhases(seededTree("ib-fail"));
    assert.equal(r.failed, "validate/ScanImage", r.out);
    assert.match(r.out, /aws-credentials/);
  });
});

interface ActionStep {
  name: string;
  id?: string;
  shell?: string;
  run?: string;
  uses?: string;
  if?: string;
  with?: Record<string, string>;
  env?: Record<string, string>;
}

describe("GitHub Action (composite)", () => {
  const action = parse(readFileSync(path.join(RECIPES, "github/action.yml"), "utf8")) as {
    inputs: Record<string, { default?: string; required?: boolean }>;
    runs: { using: string; steps: ActionStep[] };
  };

  /** Runs the action's shell steps as the runner would; `uses` steps are checked, not run. */
  function runAction(inputs: Record<string, string>) {
    const values: Record<string, string> = {};
    for (const [k, v] of Object.entries(action.inputs)) values[`inputs.${k}`] = inputs[k] ?? v.default ?? "";
    const outputs: Record<string, Record<string, string>> = {};
    const expr = (s: string) =>
      s.replace(/\$\{\{\s*([\w.-]+)\s*\}\}/g, (_m, k: string) => {
        const step = /^steps\.([\w-]+)\.outputs\.([\w-]+)$/.exec(k);
        if (step) return outputs[step[1]!]?.[step[2]!] ?? "";
        assert.ok(k in values, `unknown expression ${k}`);
        return values[k]!;
      });
    const log: string[] = [];
    for (const step of action.runs.steps) {
      if (step.uses) {
        assert.match(step.with?.sarif_file ?? "", /steps\.scan\.outputs\.sarif/);
        log.push(`uses ${step.uses} with ${expr(step.with?.sarif_file ?? "")}`);
        continue;
      }
      const outFile = path.join(work, `gh-output-${Math.random().toString(36).slice(2)}`);
      writeFileSync(outFile, "");
      const stepEnv: Record<string, string> = {};
      for (const [k, v] of Object.entries(step.env ?? {})) stepEnv[k] = expr(v);
      const r = spawnSync("bash", ["-e", "-c", expr(step.run!)], {
        cwd: work,
        env: { ...env(), ...stepEnv, GITHUB_OUTPUT: outFile },
        encoding: "utf8",
        maxBuffer: 32 * 1024 * 1024,
      });
      log.push(`${step.name}: exit ${r.status}\n${r.stdout}${r.stderr}`);
      if (step.id)
        outputs[step.id] = Object.fromEntries(
          readFileSync(outFile, "utf8")
            .split("\n")
            .filter((l) => l.includes("="))
            .map((l) => [l.slice(0, l.indexOf("=")), l.slice(l.indexOf("=") + 1)]),
        );
      if (r.status !== 0) return { failedAt: step.name, status: r.status, outputs, log: log.join("\n") };
    }
    return { outputs, log: log.join("\n") };
  }

  test("is a composite action whose inputs are all used", () => {
    assert.equal(action.runs.using, "composite");
    const text = readFileSync(path.join(RECIPES, "github/action.yml"), "utf8");
    for (const k of Object.keys(action.inputs)) assert.match(text, new RegExp(`inputs\\.${k}\\b`), k);
  });

  test("passes a clean image and writes SARIF for the upload step", () => {
    const root = fixableTree("gh-ok");
    execFileSync(
      path.join(bin, "amigate"),
      ["fix", "--yes", "--journal", path.join(work, "gh.jsonl"), root],
      {
        env: env(),
        stdio: "ignore",
      },
    );
    const sarif = path.join(work, "gh-ok.sarif");
    const r = runAction({ target: root, sarif });
    assert.equal(r.failedAt, undefined, r.log);
    assert.equal(r.outputs.scan?.["exit-code"], "0");
    assert.equal((JSON.parse(readFileSync(sarif, "utf8")) as { version: string }).version, "2.1.0");
    assert.match(r.log, new RegExp(`upload-sarif@v3 with ${sarif.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}`));
  });

  test("fails the job at the verdict, after the SARIF exists, on an image with findings", () => {
    const sarif = path.join(work, "gh-fail.sarif");
    const r = runAction({ target: seeded, sarif });
    assert.equal(r.failedAt, "Verdict", r.log);
    assert.equal(r.status, 1);
    const results = (
      JSON.parse(readFileSync(sarif, "utf8")) as { runs: Array<{ results: Array<{ ruleId: string }> }> }
    ).runs[0]!.results;
    assert.ok(results.some((x) => x.ruleId === "aws-credentials"));
    assert.match(r.log, /aws-credentials/);
  });

  test("stops at the scan step with exit 2 when the target is not there", () => {
    const r = runAction({ target: path.join(work, "missing") });
    assert.equal(r.failedAt, "Scan", r.log);
    assert.equal(r.status, 2);
  });
});
