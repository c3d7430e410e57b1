/**
 * The listing commands on local files: a scan report of the real Debian rootfs, a listing drafted
 * from it, edited, checked, answered, and the submission record's exit code — through the CLI.
 */
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import { parse } from "yaml";
import { debianImage, debianRootfsPath } from "../../test/support/trees.js";
import { imageSession } from "../scan/session.js";

const MAIN = path.resolve(import.meta.dirname, "main.ts");

/** The peer's count: every package dpkg-query lists in the Debian rootfs's database. */
let dpkgCounted: number | undefined;
const dpkgCount = () =>
  (dpkgCounted ??= execFileSync(
    "dpkg-query",
    [`--admindir=${path.join(debianRootfsPath(), "var/lib/dpkg")}`, "-W"],
    {
      encoding: "utf8",
    },
  )
    .split("\n")
    .filter((l) => l !== "").length);
let dir: string;
const at = (name: string) => path.join(dir, name);

function cli(args: string[]): { code: number; stdout: string; stderr: string } {
  try {
    const stdout = execFileSync(
      process.execPath,
      [
        ...(process.env.AMIGATE_TEST_CLI ? [process.env.AMIGATE_TEST_CLI] : ["--import", "tsx", MAIN]),
        ...args,
      ],
      { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, AMIGATE_ENDPOINT: "" } },
    );
    return { code: 0, stdout, stderr: "" };
  } catch (e) {
    const err = e as { status: number; stdout: string; stderr: string };
    return { code: err.status, stdout: err.stdout, stderr: err.stderr };
  }
}

describe("amigate listing / attest / submission on files", () => {
  before(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), "amigate-listing-cli-"));
    const report = await imageSession(debianImage(), { now: new Date("2026-03-01T00:00:00Z") }).result();
    writeFileSync(at("report.json"), JSON.stringify(report));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it("init drafts from the report; it will not overwrite a file without --force", () => {
    const args = [
      "listing",
      "init",
      "--report",
      at("report.json"),
      "--name",
      "acme-web-1.0",
      "--publisher",
      "Acme",
    ];
    assert.equal(cli([...args, "-o", at("listing.yaml")]).code, 0);
    const l = parse(readFileSync(at("listing.yaml"), "utf8"));
    assert.deepEqual([l.product, l.os.name, l.listeningPorts[0].port], ["acme-web", "Debian GNU/Linux", 22]);
    assert.deepEqual(l.packages, { total: dpkgCount(), byEcosystem: { dpkg: dpkgCount() } });
    const again = cli([...args, "-o", at("listing.yaml")]);
    assert.equal(again.code, 2);
    assert.match(again.stderr, /exists \(give --force/);
  });

  it("edit sets fields and rewrites the file; show prints the checks; bad edits change nothing", () => {
    const edit = cli([
      "listing",
      "edit",
      at("listing.yaml"),
      "--set",
      "imageId=ami-0123456789abcdef0",
      "--set",
      "publisher.url=https://acme.example.com",
      "--set",
      "description=A web server.",
      "--add",
      "keyFeatures=TLS by default",
      "--set",
      "usageInstructions=Connect with ssh admin@<instance> on port 22 using your key pair.",
    ]);
    assert.equal(edit.code, 0, edit.stderr);
    const shown = JSON.parse(
      cli(["listing", "show", at("listing.yaml"), "--report", at("report.json"), "--format", "json"]).stdout,
    );
    assert.ok(
      shown.checks.every((c: { status: string }) => c.status === "passed"),
      JSON.stringify(shown.checks),
    );
    const before = readFileSync(at("listing.yaml"), "utf8");
    const bad = cli(["listing", "edit", at("listing.yaml"), "--set", "releaseNotes.date=soon"]);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /releaseNotes.date: a date/);
    assert.equal(readFileSync(at("listing.yaml"), "utf8"), before);
  });

  it("$EDITOR edits are checked too", () => {
    writeFileSync(
      at("editor.sh"),
      '#!/bin/sh\nsed -i "s/^description: .*/description: A 30-day trial./" "$1"\n',
      { mode: 0o755 },
    );
    const r = execFileSync(
      process.execPath,
      ["--import", "tsx", MAIN, "listing", "edit", at("listing.yaml"), "--report", at("report.json")],
      {
        encoding: "utf8",
        env: { ...process.env, EDITOR: at("editor.sh"), VISUAL: "" },
        stdio: ["ignore", "pipe", "pipe"],
      },
    );
    assert.equal(r, "");
    assert.match(readFileSync(at("listing.yaml"), "utf8"), /description: A 30-day trial\./);
    const publish = cli(["listing", "publish", at("listing.yaml"), "--report", at("report.json")]);
    assert.equal(publish.code, 1);
    assert.match(publish.stderr, /meta-no-trial-wording \(USE-1\): description says "30-day trial"/);
    assert.equal(cli(["listing", "edit", at("listing.yaml"), "--set", "description=A web server."]).code, 0);
    const html = cli(["listing", "publish", at("listing.yaml"), "--report", at("report.json")]).stdout;
    assert.match(html, /<h2>About this AMI<\/h2>/);
    assert.ok(html.includes(`<li>Installed packages: ${dpkgCount()} (dpkg ${dpkgCount()})</li>`), html);
  });

  it("a listing written without package counts takes the scan's with --report, and has none without", () => {
    const written = readFileSync(at("listing.yaml"), "utf8").replace(/^packages:\n(?: .*\n)+/m, "");
    assert.doesNotMatch(written, /packages/);
    writeFileSync(at("no-counts.yaml"), written);
    const show = (...more: string[]) =>
      JSON.parse(cli(["listing", "show", at("no-counts.yaml"), "--format", "json", ...more]).stdout).listing;
    assert.equal(show().packages, undefined);
    assert.equal(show("--report", at("report.json")).packages.total, dpkgCount());
    // A count written by hand stands, and the checks say it is not the scan's.
    writeFileSync(at("no-counts.yaml"), `${written}packages: { total: 3 }\n`);
    const r = cli(["listing", "publish", at("no-counts.yaml"), "--report", at("report.json")]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, new RegExp(`packages says 3 installed; the scan counted ${dpkgCount()} \\(dpkg`));
  });

  it("edit keeps the file's comments and changes only the edited value, by flag or in $EDITOR", () => {
    const original = `# Acme's listing, kept in git\n${readFileSync(at("listing.yaml"), "utf8")
      .replace(/^architecture: (.*)$/m, "architecture: $1 # from the scan")
      .replace(/^keyFeatures:$/m, "# What customers get:\nkeyFeatures:")}`;
    assert.match(original, /^description: A web server\.$/m);
    writeFileSync(at("commented.yaml"), original);
    const r = cli(["listing", "edit", at("commented.yaml"), "--set", "description=A faster web server."]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(
      readFileSync(at("commented.yaml"), "utf8"),
      original.replace(/^description: .*$/m, "description: A faster web server."),
    );
    writeFileSync(at("editor2.sh"), '#!/bin/sh\nsed -i "s/^version: .*/version: 1.0.1/" "$1"\n', {
      mode: 0o755,
    });
    execFileSync(process.execPath, ["--import", "tsx", MAIN, "listing", "edit", at("commented.yaml")], {
      env: { ...process.env, EDITOR: at("editor2.sh"), VISUAL: "" },
      stdio: ["ignore", "pipe", "pipe"],
    });
    assert.equal(
      readFileSync(at("commented.yaml"), "utf8"),
      original
        .replace(/^description: .*$/m, "description: A faster web server.")
        .replace(/^version: .*$/m, "version: 1.0.1"),
    );
  });

  it("attest writes who and when; the submission record and a scan with the files show them", () => {
    const r = cli(["attest", at("answers.yaml"), "--answer", "attest-no-seller-access=yes", "--by", "alice"]);
    assert.equal(r.code, 0, r.stderr);
    const file = parse(readFileSync(at("answers.yaml"), "utf8"));
    assert.deepEqual(
      [file.answers[0].id, file.answers[0].answer, file.answers[0].by],
      ["attest-no-seller-access", "yes", "alice"],
    );
    const record = cli([
      "submission",
      "--report",
      at("report.json"),
      "--listing",
      at("listing.yaml"),
      "--attestations",
      at("answers.yaml"),
    ]);
    assert.equal(record.code, 1);
    const reasons = JSON.parse(record.stdout).reasons as string[];
    assert.ok(
      reasons.some((x) => x.startsWith("10 statement(s) not answered")),
      reasons.join("\n"),
    );
    const scan = cli([
      "scan",
      debianRootfsPath(),
      "--listing",
      at("listing.yaml"),
      "--attestations",
      at("answers.yaml"),
      "--as-of",
      "2026-03-01",
    ]);
    assert.equal(scan.code, 0, scan.stderr);
    assert.match(scan.stdout, /meta-usage-instructions {2}\[DOC-1\] from the listing {2}passed/);
    assert.match(scan.stdout, /answered yes by alice/);
  });
});
