/**
 * Issue 13, class 2 on the server: nothing an image or a client sends can stall the catalogue.
 * Against live `amigate serve` processes with two accounts: scans past their time or memory budget
 * fail naming it (the gate stays closed, the queue goes on), scans are taken from the accounts in
 * turn, uploads past --max-upload or --account-quota are refused with EC2 XML (413) and leave
 * nothing behind, and header-drip, silent and surplus connections are cut.
 */
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { createReadStream, existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { request } from "node:http";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { after, before, describe, test } from "node:test";
import { parseEc2 } from "../../test/support/catalogue.js";
import {
  amigate,
  createAccount,
  ec2Http,
  type Keys,
  type ServerProcess,
  startServer,
  waitForScan,
} from "../../test/support/server-process.js";
import { vfatImagesPath } from "../../test/support/vfat-images.js";
import { parseCount, parseSeconds, parseSize } from "../cli/server-options.js";
import { putBlob, sha256File } from "./client.js";
import { DEFAULT_SCAN_BUDGET, resourceLimitsOf } from "./scans.js";
import { signHeaders } from "./sign.js";

const MiB = 2 ** 20;
const fat = (name: string) => path.join(vfatImagesPath(), name);
/** Real disk images from fixtures/vfat-images.sh: 4, 32 and 64 MiB. */
let FAT12: string;
let FAT16: string;
let FAT32: string;
before(() => {
  FAT12 = fat("fat12.img");
  FAT16 = fat("fat16.img");
  FAT32 = fat("fat32.img");
});

const servers: ServerProcess[] = [];
after(() => Promise.all(servers.map((s) => s.stop())));
async function server(args: string[]): Promise<ServerProcess> {
  const s = await startServer(undefined, args);
  servers.push(s);
  return s;
}

async function register(s: ServerProcess, keys: Keys, location: string, name: string): Promise<string> {
  const r = parseEc2(
    (
      await ec2Http(s.url, keys, "RegisterImage", {
        Name: name,
        ImageLocation: location,
        Architecture: "x86_64",
      })
    ).raw,
    200,
  );
  const id = (r.body.RegisterImageResponse as { imageId?: string } | undefined)?.imageId;
  assert.ok(id, r.raw);
  return id;
}

const push = (s: ServerProcess, keys: Keys, file: string, name: string) =>
  (
    JSON.parse(
      amigate(["push", file, "--name", name, "--endpoint", s.url, "--json"], {
        AWS_ACCESS_KEY_ID: keys.accessKeyId,
        AWS_SECRET_ACCESS_KEY: keys.secretAccessKey,
      }),
    ) as { imageId: string }
  ).imageId;

describe("scan budgets", () => {
  test("a scan past its time budget is killed and fails naming it; the gate stays closed; the next scan runs", async () => {
    const s = await server(["--scan-timeout", "0.05"]);
    const a = createAccount(s.dataDir, "slow-a");
    const b = createAccount(s.dataDir, "slow-b");
    const first = push(s, a, FAT12, "budget-1");
    const second = await register(s, b, await putBlob(s.url, b, FAT16), "budget-2");
    const one = await waitForScan(s, a, first);
    assert.equal(one.status, "failed");
    assert.equal(one.error, "scan exceeded its 0.05 s time budget");
    assert.equal(one.report, undefined);
    // The queue moved on: the second image's scan ran (and met the same budget) after the first.
    const two = await waitForScan(s, b, second);
    assert.equal(two.status, "failed");
    assert.equal(two.error, "scan exceeded its 0.05 s time budget");
    assert.ok(String(two.finishedAt) >= String(one.finishedAt));
    const share = await ec2Http(s.url, a, "ModifyImageAttribute", {
      ImageId: first,
      "LaunchPermission.Add.1.Group": "all",
    });
    const refused = parseEc2(share.raw, share.status);
    assert.equal(refused.code, "OperationNotPermitted");
    assert.match(refused.message!, /the scan failed: scan exceeded its 0\.05 s time budget/);
  });

  test("a scan past its memory budget fails naming it", async () => {
    // A worker needs ~10 MiB of heap to start from source (tsx) and more once it reads an image:
    // 4 MiB is past the budget however fast the machine, and takes the same path (Worker
    // resourceLimits → ERR_WORKER_OUT_OF_MEMORY) as a scan whose heap grows past a larger one.
    const s = await server(["--scan-memory", "4"]);
    const a = createAccount(s.dataDir, "mem-a");
    const id = push(s, a, FAT12, "memory-1");
    const scan = await waitForScan(s, a, id);
    assert.equal(scan.status, "failed");
    assert.equal(scan.error, "scan exceeded its 4 MiB memory budget");
  });

  test("the budget's memory is the worker's old-generation heap; defaults 300 s and 256 MiB", () => {
    assert.deepEqual(DEFAULT_SCAN_BUDGET, { timeoutMs: 300_000, memoryMb: 256 });
    assert.deepEqual(resourceLimitsOf({ timeoutMs: 1, memoryMb: 96 }), { maxOldGenerationSizeMb: 96 });
  });
});

/** A signed PUT /amigate/blobs of a file: with its Content-Length, or chunked (no length). */
async function upload(
  s: ServerProcess,
  keys: Keys,
  file: string,
  chunked = false,
): Promise<{ status: number; raw: string; code?: string; message?: string; contentType?: string }> {
  const { sha256, size } = await sha256File(file);
  const url = new URL("/amigate/blobs", s.url);
  const headers = await signHeaders(keys, {
    method: "PUT",
    url,
    headers: chunked ? {} : { "content-length": String(size) },
    bodySha256: sha256,
  });
  return new Promise((resolve, reject) => {
    const req = request(url, { method: "PUT", headers }, (res) => {
      let raw = "";
      res.setEncoding("utf8");
      res.on("data", (d) => {
        raw += d;
      });
      res.on("end", () => {
        const status = res.statusCode ?? 0;
        const parsed: { code?: string; message?: string } = status === 200 ? {} : parseEc2(raw, status);
        resolve({
          status,
          raw,
          ...(parsed.code ? { code: parsed.code, message: parsed.message! } : {}),
          ...(res.headers["content-type"] ? { contentType: res.headers["content-type"] } : {}),
        });
      });
    });
    // The server stops storing past a limit and answers at once; the answer comes first.
    req.on("error", reject);
    createReadStream(file).pipe(req);
  });
}

describe("scans are taken from the accounts in turn", () => {
  test("one worker: account A queues five scans, B one; B's runs second, not last", async () => {
    const s = await server(["--scan-workers", "1"]);
    const a = createAccount(s.dataDir, "busy");
    const b = createAccount(s.dataDir, "quiet");
    const aBlob = await putBlob(s.url, a, FAT12);
    const bBlob = await putBlob(s.url, b, FAT16);
    // A's first scan starts at once and holds the worker (its thread alone takes longer to start
    // than the other registrations, sent together, take to arrive); the rest queue behind it.
    const ids: Array<{ who: Keys; id: string }> = [{ who: a, id: await register(s, a, aBlob, "busy-0") }];
    const rest = await Promise.all([
      ...[1, 2, 3, 4].map(async (i) => ({ who: a, id: await register(s, a, aBlob, `busy-${i}`) })),
      (async () => ({ who: b, id: await register(s, b, bBlob, "quiet-0") }))(),
    ]);
    ids.push(...rest);
    const scans = [];
    for (const { who, id } of ids) scans.push({ id, scan: await waitForScan(s, who, id) });
    for (const x of scans) assert.equal(x.scan.status, "done", JSON.stringify(x.scan).slice(0, 300));
    const order = scans
      .sort((x, y) => String(x.scan.finishedAt).localeCompare(String(y.scan.finishedAt)))
      .map((x) => x.id);
    const quiet = ids[5]!.id;
    assert.notEqual(order.at(-1), quiet, "B's scan is not the last");
    assert.equal(order.indexOf(quiet), 1, `B's scan runs right after the one running when it came: ${order}`);
  });
});

describe("upload limits", () => {
  let s: ServerProcess;
  let a: Keys;
  let b: Keys;
  let tmp: string;
  const noTempLeft = () => {
    const dir = path.join(s.dataDir, "blobs", "tmp");
    assert.deepEqual(existsSync(dir) ? readdirSync(dir) : [], []);
  };
  const noBlob = async (file: string) => {
    const { sha256 } = await sha256File(file);
    assert.equal(existsSync(path.join(s.dataDir, "blobs", sha256.slice(0, 2), sha256)), false);
  };
  before(async () => {
    s = await server(["--max-upload", "40M", "--account-quota", "48M"]);
    a = createAccount(s.dataDir, "uploader-a");
    b = createAccount(s.dataDir, "uploader-b");
    tmp = mkdtempSync(path.join(os.tmpdir(), "amigate-limits-"));
    writeFileSync(path.join(tmp, "twenty.bin"), randomBytes(20 * MiB));
  });
  after(() => rmSync(tmp, { recursive: true, force: true }));

  test("a blob over --max-upload: 413 RequestEntityTooLarge as EC2 XML, from its Content-Length", async () => {
    const r = await upload(s, a, FAT32);
    assert.equal(r.status, 413);
    assert.equal(r.contentType, "text/xml;charset=UTF-8");
    assert.match(r.raw, /^<\?xml .*<Response><Errors><Error><Code>RequestEntityTooLarge<\/Code>/s);
    assert.match(r.raw, /<RequestID>[0-9a-f-]{36}<\/RequestID><\/Response>$/);
    assert.equal(
      r.message,
      `The upload of ${64 * MiB} bytes is larger than the limit of ${40 * MiB} bytes per image.`,
    );
    noTempLeft();
    await noBlob(FAT32);
    // The push client shows the code and the message.
    assert.throws(
      () => push(s, a, FAT32, "too-big"),
      (e: { stderr?: string }) => /RequestEntityTooLarge: The upload of 67108864 bytes/.test(e.stderr ?? ""),
    );
  });

  test("with Expect: 100-continue the refusal comes instead of the 100, before any body", async () => {
    const url = new URL("/amigate/blobs", s.url);
    const headers = await signHeaders(a, {
      method: "PUT",
      url,
      headers: { "content-length": String(64 * MiB), expect: "100-continue" },
      bodySha256: "0".repeat(64),
    });
    const c = rawSocket(s);
    await c.connected;
    const head = Object.entries(headers).map(([k, v]) => `${k}: ${v}\r\n`);
    c.socket.write(`PUT /amigate/blobs HTTP/1.1\r\n${head.join("")}\r\n`);
    const { received } = await c.closed;
    assert.match(received, /^HTTP\/1\.1 413 Payload Too Large\r\n/);
    assert.match(received, /connection: close\r\n/i);
    assert.match(received, /<Code>RequestEntityTooLarge<\/Code>/);
  });

  test("chunked (no length): reading stops past the limit, nothing is kept", async () => {
    const r = await upload(s, a, FAT32, true);
    assert.equal(r.status, 413, r.raw);
    assert.equal(r.code, "RequestEntityTooLarge");
    assert.equal(r.message, `The upload is larger than the limit of ${40 * MiB} bytes per image.`);
    noTempLeft();
    await noBlob(FAT32);
  });

  test("--account-quota counts each account's stored bytes: 413 ResourceLimitExceeded", async () => {
    assert.equal((await upload(s, a, FAT16)).status, 200); // A: 32 MiB stored
    const twenty = path.join(tmp, "twenty.bin");
    const over = await upload(s, a, twenty); // 32 + 20 > 48, from the Content-Length
    assert.equal(over.status, 413);
    assert.equal(over.code, "ResourceLimitExceeded");
    assert.equal(
      over.message,
      `You have reached your quota of ${48 * MiB} bytes of stored images (${32 * MiB} bytes stored or being uploaded).`,
    );
    const chunked = await upload(s, a, twenty, true); // refused once past 16 MiB
    assert.equal(chunked.status, 413);
    assert.equal(chunked.code, "ResourceLimitExceeded");
    noTempLeft();
    await noBlob(twenty);
    // Another account's quota is its own.
    assert.equal((await upload(s, b, twenty)).status, 200);
    assert.equal((await upload(s, b, FAT12, true)).status, 200);
  });

  test("a query body over 4 MiB: 413 with the XML error body, by length or counted", async () => {
    const big = "Action=DescribeImages&x=".padEnd(5 * MiB, "a");
    const byLength = await fetch(s.url, { method: "POST", body: big });
    assert.equal(byLength.status, 413);
    const e = parseEc2(await byLength.text(), 413);
    assert.equal(e.code, "RequestEntityTooLarge");
    assert.equal(e.message, `The request body is larger than ${4 * MiB} bytes.`);
    const counted = await fetch(s.url, {
      method: "POST",
      body: new Blob([big]).stream(),
      duplex: "half",
    } as RequestInit);
    assert.equal(counted.status, 413);
    assert.equal(parseEc2(await counted.text(), 413).code, "RequestEntityTooLarge");
  });
});

/** A raw connection; resolves with when it closed (ms after `t0`) and what the server sent. */
function rawSocket(s: ServerProcess) {
  const { port, hostname } = new URL(s.url);
  const socket = net.connect(Number(port), hostname);
  let received = "";
  socket.on("data", (d) => {
    received += d;
  });
  socket.on("error", () => undefined);
  const t0 = Date.now();
  const closed = new Promise<{ after: number; received: string }>((resolve) =>
    socket.on("close", () => resolve({ after: Date.now() - t0, received })),
  );
  const connected = new Promise<void>((resolve) => socket.once("connect", () => resolve()));
  return { socket, closed, connected };
}

describe("slow clients and connection floods", () => {
  let s: ServerProcess;
  before(async () => {
    s = await server([
      ...["--header-timeout", "2", "--request-timeout", "1", "--idle-timeout", "3"],
      ...["--max-connections", "4"],
    ]);
  });

  test("--header-timeout cuts headers dripped a byte a second, and a connection that sends nothing (408)", async () => {
    const dripping = rawSocket(s);
    const silent = rawSocket(s);
    await dripping.connected;
    const head = "GET /amigate/health HTTP/1.1\r\nHost: x\r\nX-Drip: " + "a".repeat(60);
    let i = 0;
    dripping.socket.write(head[i++]!);
    const drip = setInterval(() => dripping.socket.write(head[i++ % head.length]!), 1000);
    const [d, q] = await Promise.all([dripping.closed, silent.closed]);
    clearInterval(drip);
    for (const { after: ms, received } of [d, q]) {
      assert.ok(ms >= 1900 && ms < 3500, `closed after ${ms} ms`);
      assert.equal(received, "HTTP/1.1 408 Request Timeout\r\nConnection: close\r\n\r\n");
    }
  });

  test("a query body not all there by --request-timeout: 408 RequestTimeout", async () => {
    const c = rawSocket(s);
    await c.connected;
    c.socket.write("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\nAction=Desc");
    const { after: ms, received } = await c.closed;
    assert.ok(ms >= 900 && ms < 2500, `closed after ${ms} ms`);
    assert.match(received, /^HTTP\/1\.1 408 Request Timeout\r\n/);
    const body = received.slice(received.indexOf("\r\n\r\n") + 4);
    assert.match(
      body,
      /<Code>RequestTimeout<\/Code><Message>The request body did not arrive within 1 s\.<\/Message>/,
    );
  });

  test("an upload whose body stalls is closed at --idle-timeout", async () => {
    const keys = createAccount(s.dataDir, "stalling");
    const url = new URL("/amigate/blobs", s.url);
    const headers = await signHeaders(keys, {
      method: "PUT",
      url,
      headers: { "content-length": "1000000" },
      bodySha256: "0".repeat(64),
    });
    const c = rawSocket(s);
    await c.connected;
    const head = Object.entries(headers).map(([k, v]) => `${k}: ${v}\r\n`);
    c.socket.write(`PUT /amigate/blobs HTTP/1.1\r\n${head.join("")}\r\nsome bytes`);
    const { after: ms } = await c.closed;
    assert.ok(ms >= 2900 && ms < 5000, `closed after ${ms} ms`);
  });

  test("--max-connections: the fifth connection is closed at once, the four open ones still work", async () => {
    const open = [rawSocket(s), rawSocket(s), rawSocket(s), rawSocket(s)];
    await Promise.all(open.map((c) => c.connected));
    // The server counts a connection once it accepts it; give it the moment.
    await new Promise((r) => setTimeout(r, 200));
    const fifth = rawSocket(s);
    const { after: ms } = await fifth.closed;
    assert.ok(ms < 1500, `the fifth closed after ${ms} ms`);
    for (const c of open) assert.equal(c.socket.destroyed, false);
    open[0]!.socket.write("GET /amigate/health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
    assert.match(
      (await open[0]!.closed).received,
      /^HTTP\/1\.1 200 OK\r\n.*\r\n\r\n3\r\nok\n\r\n0\r\n\r\n$/s,
    );
    for (const c of open.slice(1)) c.socket.destroy();
    // With places free again, a new connection is served.
    await new Promise((r) => setTimeout(r, 200));
    assert.equal((await fetch(new URL("/amigate/health", s.url))).status, 200);
  });
});

test("flag values: sizes, seconds, counts; a bad one stops serve with exit code 2", () => {
  assert.equal(parseSize("4096"), 4096);
  assert.equal(parseSize("20G"), 20 * 2 ** 30);
  assert.equal(parseSize("512MiB"), 512 * MiB);
  assert.equal(parseSize("1.5k"), 1536);
  assert.equal(parseSize("0"), 0);
  for (const bad of ["", "G", "-1", "20X", "1e3"]) assert.equal(parseSize(bad), undefined, bad);
  assert.equal(parseSeconds("0.05"), 50);
  assert.equal(parseSeconds("300"), 300_000);
  for (const bad of ["0", "-1", "", "soon", "3000000"]) assert.equal(parseSeconds(bad), undefined, bad);
  assert.equal(parseCount("512", 1), 512);
  assert.equal(parseCount("0", 1), undefined);
  const dir = mkdtempSync(path.join(os.tmpdir(), "amigate-flags-"));
  assert.throws(
    () => amigate(["serve", "--port", "0", "--data-dir", dir, "--max-upload", "20X"]),
    (e: { status?: number; stderr?: string }) =>
      e.status === 2 &&
      e.stderr?.includes("--max-upload must be a size in bytes ≥ 0, e.g. 1073741824 or 20G, got '20X'") ===
        true,
  );
  assert.throws(
    () => amigate(["serve", "--port", "0", "--data-dir", dir], { AMIGATE_SCAN_TIMEOUT: "0" }),
    (e: { status?: number; stderr?: string }) =>
      e.status === 2 &&
      e.stderr?.includes("--scan-timeout must be a number of seconds > 0, got '0'") === true,
  );
});
