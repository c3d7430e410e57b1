import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { Worker } from "node:worker_threads";
import { debianImage } from "../../test/support/trees.js";
import type { ContentFacts } from "./content.js";
import { ContentThread } from "./content-workers.js";
import { FactStore, type InspectOptions } from "./context.js";
import { inspectorsByName } from "./registry.js";

// Secrets assembled at run time so the source holds no key-shaped literal.
const KEY = ["AKIA", "Q3EGRDUWX7", "Z2MHN4"].join("");
const GITHUB = ["ghp", "_", "Q7mZ2kT9vLw4nR8pYc3bHs5dJf1gK0aE", "a1B2"].join("");
const PEM = (label: string) =>
  [
    `-----BEGIN ${label}PRIVATE KEY-----`,
    ...Array.from({ length: 12 }, (_, i) => `${"MIIEpAIBAAKCAQEA".repeat(4)}${i}`.slice(0, 64)),
    `-----END ${label}PRIVATE KEY-----`,
    "",
  ].join("\n");

/** Lines of filler so the secret lands past the first pieces of a file read in pieces (> 256 KiB). */
const filler = (lines: number) => "INFO request served in 12 ms from cache\n".repeat(lines);

const planted = {
  "/etc/app.conf": `aws_access_key_id = ${KEY}\ndb_password = "Tr0ub4dor&3-prod"\n`,
  "/etc/issue.net": "Welcome. This image also runs on Microsoft Azure.\n",
  "/etc/app/endpoints.conf": "url = https://ec2.eu-west-3.amazonaws.com/\n",
  "/root/.ssh/id_rsa": PEM("RSA "),
  "/srv/app/.env": `DATABASE_URL=postgres://app:s3cr3t-Pa55@db.internal/app\nGITHUB_TOKEN=${GITHUB}\n`,
  // Read in pieces: a token ~3 MiB in, and a key block whose lines straddle the 1 MiB pieces.
  "/var/log/app/big.log": `${filler(80_000)}token ${GITHUB}\n${filler(20_000)}${PEM("")}${filler(5)}`,
  // A library's settings: read for keys and tokens, not for its defaults.
  "/srv/app/node_modules/lib/package.json": '{"name":"lib","version":"1.0.0"}\n',
  "/srv/app/node_modules/lib/config.js": `module.exports = { password: "library-default-pw", token: "${GITHUB}" };\n`,
};

async function contentWith(
  contentThread: InspectOptions["contentThread"],
  contentThreads = 1,
): Promise<ContentFacts> {
  return new FactStore(debianImage(planted), inspectorsByName, { contentThread, contentThreads }).get(
    "content",
  );
}

describe("the content thread", () => {
  it("finds exactly what the pass finds on the main thread: matches, lines, stats", async () => {
    const here = await contentWith("off");
    const thread = await contentWith("always");
    assert.deepEqual(thread, here);
    // Two threads share the files (a file read in pieces stays with one): the same facts again.
    assert.deepEqual(await contentWith("always", 2), here);
    // And what it found is the planted content, not two empty results.
    const where = (list: Array<{ path: string; line: number }>) => list.map((m) => `${m.path}:${m.line}`);
    assert.deepEqual(where(here.secrets), [
      "/etc/app.conf:1",
      "/srv/app/.env:2",
      "/srv/app/node_modules/lib/config.js:1",
      "/var/log/app/big.log:80001",
    ]);
    assert.deepEqual(where(here.privateKeys), ["/root/.ssh/id_rsa:1", "/var/log/app/big.log:100002"]);
    assert.deepEqual(where(here.configCredentials), ["/etc/app.conf:2"]);
    assert.deepEqual(where(here.urlCredentials), ["/srv/app/.env:1"]);
    assert.deepEqual(where(here.endpoints), ["/etc/app/endpoints.conf:1"]);
    assert.deepEqual(where(here.cloudMentions), ["/etc/issue.net:1"]);
    assert.ok(here.stats.scannedBytes > 4_000_000);
  });

  it("a worker that dies fails the pass instead of returning what it had", async () => {
    const thread = new ContentThread();
    await thread.file("/etc/app.conf", true, Buffer.from(`aws_access_key_id = ${KEY}\n`));
    await (thread as unknown as { worker: Worker }).worker.terminate();
    await assert.rejects(thread.finish(), /content scan worker exited/);
    await assert.rejects(thread.file("/etc/more.conf", true, Buffer.from("x\n")), /exited/);
    thread.stop();
  });
});
