/**
 * Listings, attestations and the submission record end to end: a real `amigate serve` (with a
 * vulnerability database from the corpus, so scans are fully checked), images pushed with
 * `amigate push`, and every step through our CLI (`amigate listing`, `attest`, `submission`) or
 * signed calls — the seed's story from a pushed image to a published listing and back.
 */
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import { parse } from "yaml";
import {
  amigate,
  createAccount,
  ec2Http,
  type Keys,
  type ServerProcess,
  signedGet,
  startServer,
  waitForScan,
} from "../../test/support/server-process.js";
import { debianArchivePaths, debianRootfsPath, SHARED } from "../../test/support/trees.js";
import { ATTESTATIONS } from "../policy/coverage.js";

// Built here when no earlier test has built them: a missing archive must not skip the suite.
const ROOTFS = debianRootfsPath();
const TAR = debianArchivePaths().find((p) => p.endsWith(".tar"))!;

let server: ServerProcess;
let acme: Keys;
let friend: Keys;
let stranger: Keys;
let work: string;
let v1: string;

const MAIN = path.resolve(import.meta.dirname, "../cli/main.ts");

/** The CLI as `keys`, against the server; the exit code instead of a throw. */
function cli(keys: Keys, args: string[]): { code: number; stdout: string; stderr: string } {
  try {
    const stdout = execFileSync(
      process.execPath,
      [
        ...(process.env.AMIGATE_TEST_CLI ? [process.env.AMIGATE_TEST_CLI] : ["--import", "tsx", MAIN]),
        ...args,
      ],
      {
        encoding: "utf8",
        env: {
          ...process.env,
          AWS_ACCESS_KEY_ID: keys.accessKeyId,
          AWS_SECRET_ACCESS_KEY: keys.secretAccessKey,
          AMIGATE_ENDPOINT: server.url,
        },
        stdio: ["ignore", "pipe", "pipe"],
      },
    );
    return { code: 0, stdout, stderr: "" };
  } catch (e) {
    const err = e as { status: number; stdout: string; stderr: string };
    return { code: err.status, stdout: err.stdout, stderr: err.stderr };
  }
}

function ok(keys: Keys, args: string[]): string {
  const r = cli(keys, args);
  assert.equal(r.code, 0, `amigate ${args.join(" ")}: ${r.stderr}`);
  return r.stdout;
}

async function push(keys: Keys, file: string, name: string): Promise<string> {
  const { imageId } = JSON.parse(ok(keys, ["push", file, "--name", name, "--json"])) as { imageId: string };
  const scan = await waitForScan(server, keys, imageId);
  assert.equal(scan.status, "done", JSON.stringify(scan).slice(0, 400));
  return imageId;
}

const share = (keys: Keys, imageId: string, change: "Add" | "Remove") =>
  ec2Http(server.url, keys, "ModifyImageAttribute", {
    ImageId: imageId,
    [`LaunchPermission.${change}.1.Group`]: "all",
  });

describe("listings end to end (amigate serve, the CLI)", () => {
  before(async () => {
    work = mkdtempSync(path.join(os.tmpdir(), "amigate-listing-e2e-"));
    const db = path.join(work, "vulns.db");
    amigate(["db", "import", path.join(SHARED, "corpus/osv/debian"), "--db", db]);
    server = await startServer(undefined, ["--db", db], { requireVulnerabilityChecks: true });
    acme = createAccount(server.dataDir, "acme");
    friend = createAccount(server.dataDir, "friend");
    stranger = createAccount(server.dataDir, "stranger");
    v1 = await push(acme, TAR, "acme-web-1.0");
    await ec2Http(server.url, acme, "ModifyImageAttribute", {
      ImageId: v1,
      "LaunchPermission.Add.1.UserId": friend.accountId,
    });
  });
  after(async () => {
    await server?.stop();
    rmSync(work, { recursive: true, force: true });
  });

  it("init drafts the listing from the scan: the services systemctl calls enabled, sshd's port, the publisher", () => {
    ok(acme, ["listing", "publisher", "--url", "https://acme.example.com"]);
    ok(acme, ["listing", "init", v1, "-o", path.join(work, "listing.yaml")]);
    const draft = parse(readFileSync(path.join(work, "listing.yaml"), "utf8"));
    assert.deepEqual(draft.publisher, { name: "acme", url: "https://acme.example.com" });
    assert.deepEqual([draft.imageId, draft.product, draft.version], [v1, "acme-web", "1.0"]);
    assert.deepEqual(draft.os, { name: "Debian GNU/Linux", version: "12" });
    assert.deepEqual(draft.listeningPorts, [{ port: 22, protocol: "tcp", service: "ssh.service" }]);
    const rootfs = ROOTFS;
    const enabled = execFileSync(
      "systemctl",
      ["list-unit-files", `--root=${rootfs}`, "--state=enabled", "--no-legend", "--no-pager"],
      { encoding: "utf8" },
    )
      .split("\n")
      .map((l) => l.trim().split(/\s+/)[0]!)
      .filter((n) => n !== "");
    // The unit files systemctl lists, then the SysV scripts started through rc links.
    assert.deepEqual(draft.services, [...enabled.sort(), "hwclock.sh", "procps"]);
    // Nothing is stored until it is written.
    assert.equal(cli(acme, ["listing", "show", v1]).code, 2);
  });

  it("edit stores it; its checks say what is missing, with their clauses", () => {
    const shown = JSON.parse(
      ok(acme, [
        "listing",
        "edit",
        v1,
        "--from",
        path.join(work, "listing.yaml"),
        "--set",
        "description=A web server.",
        "--format",
        "json",
      ]),
    );
    const failed = shown.checks
      .filter((c: { status: string }) => c.status === "failed")
      .map((c: { id: string }) => c.id);
    assert.deepEqual(failed.sort(), ["meta-listing-fields", "meta-usage-instructions"]);
    const done = JSON.parse(
      ok(acme, [
        "listing",
        "edit",
        v1,
        "--set",
        "keyFeatures=nginx with TLS defaults",
        "--set",
        "usageInstructions=Connect with ssh admin@<instance> on port 22 using your key pair.",
        "--format",
        "json",
      ]),
    );
    assert.ok(
      done.checks.every((c: { status: string }) => c.status === "passed"),
      JSON.stringify(done.checks),
    );
    // Only the owner writes; another account sees nothing unpublished.
    assert.match(
      cli(friend, ["listing", "edit", v1, "--set", "name=x"]).stderr,
      /AuthFailure|InvalidListing/,
    );
    assert.match(cli(friend, ["listing", "show", v1]).stderr, /InvalidListing.NotFound/);
  });

  it("the submission record says why the version is not ready, then that it is", () => {
    const before = cli(acme, ["submission", v1]);
    assert.equal(before.code, 1);
    const record = JSON.parse(before.stdout);
    assert.equal(record.ready, false);
    assert.equal(record.scan.state, "passed");
    assert.deepEqual(record.reasons, [
      `11 statement(s) not answered (amigate attest): ${ATTESTATIONS.map((a) => a.id).join(", ")}`,
    ]);
    const refused = cli(acme, ["attest", v1, "--answer", "attest-no-seller-access=no"]);
    assert.equal(refused.code, 2);
    assert.match(refused.stderr, /say why in a comment/);
    const answers = ATTESTATIONS.flatMap((a) => ["--answer", `${a.id}=yes`]);
    const attested = parse(ok(acme, ["attest", v1, ...answers]));
    assert.ok(
      attested.attestations.every((a: { answer?: { by: string } }) => a.answer?.by === acme.accountId),
    );
    const after = cli(acme, ["submission", v1]);
    assert.equal(after.code, 0, after.stdout);
    assert.equal(JSON.parse(after.stdout).verdict, "ready to submit");
    const html = cli(acme, ["submission", v1, "--format", "html"]);
    assert.match(html.stdout, /<span class="verdict pass">READY<\/span> ready to submit/);
  });

  it("a listing is published only while its image is public", async () => {
    const refused = cli(acme, ["listing", "publish", v1]);
    assert.equal(refused.code, 2);
    assert.match(
      refused.stderr,
      /OperationNotPermitted: The listing of ami-\w+ cannot be published: the image is not public/,
    );
    assert.equal(
      (await share(acme, v1, "Add")).status,
      200,
      "the gate lets the clean, checked image through",
    );
    assert.equal(parse(ok(acme, ["listing", "publish", v1])).published, true);
    const found = (await (
      await signedGet(server, stranger, "/amigate/listings?publisher=acme&os=debian")
    ).json()) as {
      listings: Array<{ imageId: string }>;
    };
    assert.deepEqual(
      found.listings.map((l) => l.imageId),
      [v1],
    );
    assert.equal(parse(ok(stranger, ["listing", "show", v1])).listing.name, "acme-web-1.0");
    // Every report shows the statements: the scan report a consumer reads has them judged.
    const scan = (await (await signedGet(server, friend, `/amigate/images/${v1}/scan.json`)).json()) as {
      report: { metadataChecks: Array<{ status: string }>; attestations: Array<{ status: string }> };
    };
    assert.ok(scan.report.metadataChecks.every((m) => m.status === "passed"));
    assert.ok(scan.report.attestations.every((a) => a.status === "answered"));

    assert.equal((await share(acme, v1, "Remove")).status, 200);
    assert.match(cli(stranger, ["listing", "show", v1]).stderr, /InvalidAMIID.NotFound/);
    const shownToOwner = parse(ok(acme, ["listing", "show", v1]));
    assert.equal(shownToOwner.published, false, "making the image private unpublished it");
    assert.equal(
      ((await (await signedGet(server, stranger, "/amigate/listings")).json()) as { listings: [] }).listings
        .length,
      0,
    );
  });

  it("the next version's draft suggests release notes from the package difference", async () => {
    // A copy of the rootfs archive with a later dpkg status appended (the last entry wins, as on extraction).
    const status = readFileSync(path.join(ROOTFS, "var/lib/dpkg/status"), "utf8");
    const sudo = /^Package: sudo\n(?:.+\n)*?Version: (.+)$/m.exec(status)!;
    const changed = `${status.replace(sudo[0], sudo[0].replace(`Version: ${sudo[1]}`, "Version: 1.9.13p3-1+deb12u9"))}\nPackage: acme-agent\nStatus: install ok installed\nArchitecture: all\nVersion: 2.0-1\nDescription: x\n`;
    const overlay = path.join(work, "overlay");
    mkdirSync(path.join(overlay, "var/lib/dpkg"), { recursive: true });
    writeFileSync(path.join(overlay, "var/lib/dpkg/status"), changed);
    const tar = path.join(work, "v1.1.tar");
    copyFileSync(TAR, tar);
    execFileSync("tar", ["-rf", tar, "-C", overlay, "./var/lib/dpkg/status"]);
    const v2 = await push(acme, tar, "acme-web-1.1");
    rmSync(tar);
    const draft = parse(ok(acme, ["listing", "init", v2]));
    assert.equal(draft.product, "acme-web");
    assert.deepEqual(draft.releaseNotes.notes, [
      `Upgraded 1 package: sudo ${sudo[1]} → 1.9.13p3-1+deb12u9`,
      "Added: acme-agent 2.0-1",
    ]);
    assert.equal(
      draft.usageInstructions,
      "Connect with ssh admin@<instance> on port 22 using your key pair.",
    );
  });
});
