/**
 * Catalogue load test: 100k images across 1k accounts with random launch permissions, driven by a
 * keep-alive load generator replaying pre-signed requests (the server verifies every signature).
 * Printed next to, in the same run, a bare node:http server answering a fixed body (the ceiling)
 * and moto_server seeded with 5k images for the same calls.
 */
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import os from "node:os";
import path from "node:path";
import { openStore } from "../src/server/catalogue.js";
import { newImageId } from "../src/server/ids.js";
import { signHeaders } from "../src/server/sign.js";
import type { Image, LaunchPermission, NewAccount } from "../src/server/store/types.js";
import type { LoadResult, Prepared } from "./load-generator.js";

const BARE_BODY =
  '<?xml version="1.0" encoding="UTF-8"?>\n<DescribeImageAttributeResponse xmlns="http://ec2.amazonaws.com/doc/2016-11-15/"><requestId>5d7c0f0e-8b3c-4f61-9d7e-2f0a8c1b9e11</requestId><imageId>ami-0123456789abcdef0</imageId><launchPermission><item><userId>111122223333</userId></item></launchPermission></DescribeImageAttributeResponse>';
const SECONDS = Number(process.env.BENCH_SECONDS ?? 3);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 8);

const GENERATOR = path.resolve(import.meta.dirname, "load-generator.ts");
export type Call = [string, (a: NewAccount, i: number) => Record<string, string>];
export interface Result {
  rps: number;
  /** CPU the server process spent per answered request (user + system), µs; NaN when unknown. */
  cpuPerReq: number;
  /** CPU this process (the load generator) spent per answered request, µs. */
  clientCpuPerReq: number;
  p50: number;
  p99: number;
  errors: number;
}

export function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer().listen(0, "127.0.0.1", () => {
      const p = (s.address() as { port: number }).port;
      s.close(() => resolve(p));
    });
  });
}

export async function waitUp(url: string): Promise<void> {
  for (let i = 0; i < 600; i++) {
    try {
      await fetch(url);
      return;
    } catch {
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  throw new Error(`${url} did not come up`);
}

export async function prepare(
  base: string,
  keys: { accessKeyId: string; secretAccessKey: string },
  params: Record<string, string>,
  extra: Record<string, string> = {},
): Promise<Prepared> {
  const url = new URL("/", base);
  const body = new URLSearchParams({ Version: "2016-11-15", ...params }).toString();
  const headers = await signHeaders(keys, {
    method: "POST",
    url,
    headers: { "content-type": "application/x-www-form-urlencoded; charset=utf-8" },
    body,
  });
  return { path: "/", headers: { ...headers, ...extra }, body };
}

/**
 * CONCURRENCY keep-alive clients for SECONDS from a separate load-generator process (each request
 * sent once first), with the server's CPU per request read from /proc around the run.
 */
/** `rate`: requests per second as an open loop (load-generator.ts); closed-loop clients without. */
export async function load(base: string, reqs: Prepared[], pid?: number, rate?: number): Promise<Result> {
  const dir = mkdtempSync(path.join(os.tmpdir(), "amigate-load-"));
  try {
    const file = path.join(dir, "requests.json");
    writeFileSync(file, JSON.stringify(reqs));
    const args = [GENERATOR, base, file, String(SECONDS), String(CONCURRENCY)];
    args.push(pid !== undefined ? String(pid) : "");
    if (rate !== undefined) args.push(String(rate));
    const child = spawn(process.execPath, ["--import", "tsx", ...args], {
      stdio: ["ignore", "pipe", "inherit"],
    });
    let out = "";
    child.stdout.on("data", (d: Buffer) => {
      out += d.toString();
    });
    const code = await new Promise<number | null>((resolve) => child.on("close", resolve));
    if (code !== 0) throw new Error(`load generator exited with ${code}`);
    const r = JSON.parse(out) as LoadResult;
    return {
      rps: r.count / r.seconds,
      cpuPerReq: r.serverCpuPerReq,
      clientCpuPerReq: r.cpuPerReq,
      p50: r.p50,
      p99: r.p99,
      errors: r.errors,
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export const fmt = (name: string, r: Result, note = "") =>
  `  ${name.padEnd(58)} ${r.rps.toFixed(0).padStart(7)} req/s  p50 ${r.p50.toFixed(2).padStart(6)} ms  p99 ${r.p99
    .toFixed(2)
    .padStart(
      6,
    )} ms${Number.isNaN(r.cpuPerReq) ? "" : `  cpu ${r.cpuPerReq.toFixed(0).padStart(4)} µs/req (client ${r.clientCpuPerReq.toFixed(0)})`}${r.errors ? `  (${r.errors} non-200)` : ""}${note}`;

/** The DescribeImages calls of the mix (bench/pg-describe.ts times the same ones on PostgreSQL). */
export const DESCRIBE_CALLS: readonly Call[] = [
  ["DescribeImages --owners self", () => ({ Action: "DescribeImages", "Owner.1": "self" })],
  ["DescribeImages --executable-users self", () => ({ Action: "DescribeImages", "ExecutableBy.1": "self" })],
  [
    "DescribeImages --owners self --filters name=img-1*,architecture=x86_64",
    () => ({
      Action: "DescribeImages",
      "Owner.1": "self",
      "Filter.1.Name": "name",
      "Filter.1.Value.1": "img-1*",
      "Filter.2.Name": "architecture",
      "Filter.2.Value.1": "x86_64",
    }),
  ],
];

function rand(n: number): number {
  return Math.floor(Math.random() * n);
}

/** An image's random launch permissions: up to three accounts, and one image in 50 public. */
export function randomShares(accountIds: readonly string[]): LaunchPermission[] {
  const shares: LaunchPermission[] = [];
  for (let s = rand(4); s > 0; s--) shares.push({ userId: accountIds[rand(accountIds.length)]! });
  if (rand(50) === 0) shares.push({ group: "all" });
  return shares;
}

/** Seeds the store directly (one transaction): accounts, images, random shares, ~2% public. */
export async function seed(dataDir: string, accounts: number, images: number): Promise<NewAccount[]> {
  const store = openStore(dataDir);
  const created: NewAccount[] = [];
  for (let a = 0; a < accounts; a++) created.push(await store.createAccount({ alias: `bench-${a}` }));
  const accountIds = created.map((a) => a.account.accountId);
  store.bulk(() => {
    for (let n = 0; n < images; n++) {
      const owner = created[n % accounts]!;
      const image: Image = {
        imageId: newImageId(),
        ownerId: owner.account.accountId,
        name: `img-${n}`,
        architecture: n % 3 === 0 ? "arm64" : "x86_64",
        virtualizationType: "hvm",
        rootDeviceType: "ebs",
        rootDeviceName: "/dev/xvda",
        platformDetails: "Linux/UNIX",
        imageLocation: `${owner.account.accountId}/img-${n}`,
        state: "available",
        creationDate: new Date().toISOString(),
        blockDeviceMappings: [
          {
            deviceName: "/dev/xvda",
            ebs: { snapshotId: "snap-0123456789abcdef0", volumeSize: 8, encrypted: false },
          },
        ],
        isPublic: false,
      };
      void store.insertImage(image, []);
      const shares = randomShares(accountIds);
      if (shares.length > 0) void store.modifyLaunchPermissions(image.imageId, shares, []);
    }
  });
  await store.close();
  return created;
}

/** For profiling the catalogue in process over the same data. */
export const seedForProfile = (dataDir: string) => seed(dataDir, 1000, 100_000);

export async function benchServer(cli: string): Promise<void> {
  console.log(`\n== catalogue (issue 5): ${CONCURRENCY} keep-alive clients, ${SECONDS}s per call`);
  const dataDir = mkdtempSync(path.join(os.tmpdir(), "amigate-bench-"));
  const children: ChildProcess[] = [];
  try {
    let t = performance.now();
    const accounts = await seed(dataDir, 1000, 100_000);
    console.log(`  seeded 100000 images / 1000 accounts in ${((performance.now() - t) / 1000).toFixed(1)} s`);
    const port = await freePort();
    const server = spawn(
      process.execPath,
      [
        ...(process.env.BENCH_SERVER_NODE_OPTIONS?.split(" ").filter(Boolean) ?? []),
        cli,
        "serve",
        "--port",
        String(port),
        "--data-dir",
        dataDir,
        "--gate-scope",
        "off",
      ],
      {
        stdio: "ignore",
      },
    );
    children.push(server);
    const base = `http://127.0.0.1:${port}`;
    await waitUp(`${base}/amigate/health`);

    // A fixed body the size of a DescribeImageAttribute answer: the ceiling for this machine.
    const barePort = await freePort();
    const bareCode = [
      `const body = Buffer.from(${JSON.stringify(BARE_BODY)});`,
      `const server = require("node:http").createServer((q, s) => { q.resume(); q.on("end", () => { s.writeHead(200, { "content-type": "text/xml" }); s.end(body); }); });`,
      "server.keepAliveTimeout = 65000;",
      `server.listen(${barePort}, "127.0.0.1");`,
    ].join("\n");
    const bare = spawn(process.execPath, ["-e", bareCode], { stdio: "ignore" });
    children.push(bare);
    const bareBase = `http://127.0.0.1:${barePort}`;
    await waitUp(bareBase);

    const sample = accounts.slice(0, 50);
    const ownImages = new Map<string, string>();
    {
      const { openStore: open } = await import("../src/server/catalogue.js");
      const store = open(dataDir);
      for (const a of sample) {
        const [img] = await store.queryImages({
          callerId: a.account.accountId,
          ownerIds: [a.account.accountId],
        });
        ownImages.set(a.account.accountId, img!.imageId);
      }
      await store.close();
    }
    const allCalls: Call[] = [
      ...DESCRIBE_CALLS,
      [
        "DescribeImageAttribute launchPermission",
        (a) => ({
          Action: "DescribeImageAttribute",
          ImageId: ownImages.get(a.account.accountId)!,
          Attribute: "launchPermission",
        }),
      ],
      [
        "ModifyImageAttribute add/remove UserId",
        (a, i) => ({
          Action: "ModifyImageAttribute",
          ImageId: ownImages.get(a.account.accountId)!,
          [`LaunchPermission.${i % 2 ? "Remove" : "Add"}.1.UserId`]: "999988887777",
        }),
      ],
    ];
    // BENCH_CALLS=Attribute,owners times only the calls whose names contain one of the words.
    const wanted = process.env.BENCH_CALLS?.split(",").filter(Boolean);
    const calls = wanted ? allCalls.filter(([name]) => wanted.some((w) => name.includes(w))) : allCalls;
    // moto_server with 5k images across 50 accounts (same density), the same calls.
    // Seeded before anything is timed; each call is then timed on amigate and on moto back to back,
    // and the bare ceiling before and after them all (the better run counts), so a change in the
    // machine's load (other jobs share it) moves both sides of each ratio alike.
    let motoSide:
      | { base: string; pid: number | undefined; prepared: (params: Call[1]) => Promise<Prepared[]> }
      | undefined;
    if (process.env.BENCH_MOTO !== "0" && spawnSync("moto_server", ["--help"]).status === 0) {
      const motoPort = await freePort();
      const m = spawn("moto_server", ["-H", "127.0.0.1", "-p", String(motoPort)], {
        stdio: "ignore",
        env: { ...process.env, MOTO_EC2_LOAD_DEFAULT_AMIS: "false" },
      });
      children.push(m);
      const motoBase = `http://127.0.0.1:${motoPort}`;
      await waitUp(`${motoBase}/moto-api/`);
      t = performance.now();
      const motoKeys = { accessKeyId: "FOOBARKEY", secretAccessKey: "FOOBARSECRET" };
      const motoAccounts = Array.from({ length: 50 }, (_, i) => String(100000000000 + i));
      const motoOwn = new Map<string, string>();
      const send = async (acct: string, params: Record<string, string>) => {
        const p = await prepare(motoBase, motoKeys, params, { "x-moto-account-id": acct });
        const res = await fetch(new URL("/", motoBase), { method: "POST", headers: p.headers, body: p.body });
        return res.text();
      };
      for (let n = 0; n < 5000; n += 25)
        await Promise.all(
          Array.from({ length: 25 }, async (_, k) => {
            const acct = motoAccounts[(n + k) % 50]!;
            const xml = await send(acct, {
              Action: "RegisterImage",
              Name: `img-${n + k}`,
              Architecture: "x86_64",
            });
            const id = /<imageId>([^<]+)<\/imageId>/.exec(xml)?.[1];
            if (id && !motoOwn.has(acct)) motoOwn.set(acct, id);
            if (id && rand(2) === 0)
              await send(acct, {
                Action: "ModifyImageAttribute",
                ImageId: id,
                "LaunchPermission.Add.1.UserId": motoAccounts[rand(50)]!,
              });
          }),
        );
      console.log(
        `  moto_server seeded 5000 images / 50 accounts in ${((performance.now() - t) / 1000).toFixed(1)} s`,
      );
      motoSide = {
        base: motoBase,
        pid: m.pid,
        prepared: (params) =>
          Promise.all(
            motoAccounts.slice(0, 20).flatMap((acct) =>
              [0, 1].map((i) => {
                const fake = { account: { accountId: acct } } as NewAccount;
                const p = params(fake, i);
                if ("ImageId" in p) p.ImageId = motoOwn.get(acct)!;
                return prepare(motoBase, motoKeys, p, { "x-moto-account-id": acct });
              }),
            ),
          ),
      };
    }

    // The ceiling gets the very requests DescribeImageAttribute gets (it ignores them): the client
    // does the same work on both sides and only the server differs.
    const attributeCall = allCalls.find(([name]) => name.startsWith("DescribeImageAttribute"))![1];
    const prepared = (params: Call[1]) =>
      Promise.all(sample.flatMap((a) => [0, 1].map((i) => prepare(base, a, params(a, i)))));
    // Every series runs BENCH_PASSES times, interleaved (bare, then each call on amigate and moto
    // back to back, then bare once more at the end); the best run of each counts, alike for all.
    const passes = Number(process.env.BENCH_PASSES ?? 2);
    const record = (m: Map<string, Result[]>, name: string, r: Result) =>
      m.set(name, [...(m.get(name) ?? []), r]);
    const results = new Map<string, Result[]>();
    const moto = motoSide ? new Map<string, Result[]>() : undefined;
    const bareRuns: Result[] = [];
    for (let pass = 0; pass < passes; pass++) {
      bareRuns.push(await load(bareBase, await prepared(attributeCall), bare.pid));
      for (const [name, params] of calls) {
        record(results, name, await load(base, await prepared(params), server.pid));
        if (motoSide && moto)
          record(moto, name, await load(motoSide.base, await motoSide.prepared(params), motoSide.pid));
      }
    }
    bareRuns.push(await load(bareBase, await prepared(attributeCall), bare.pid));
    const best = (runs: Result[]) => runs.reduce((x, y) => (y.rps > x.rps ? y : x));
    const all = (runs: Result[]) => `  (best of ${runs.map((r) => r.rps.toFixed(0)).join(", ")})`;
    const bareResult = best(bareRuns);

    console.log(fmt("bare node:http, fixed body, same requests (ceiling)", bareResult, all(bareRuns)));
    for (const [name] of calls) {
      const r = best(results.get(name)!);
      const motoRuns = moto?.get(name);
      const mr = motoRuns && best(motoRuns);
      console.log(
        fmt(
          `amigate serve (100k images): ${name}`,
          r,
          `  = ${((100 * r.rps) / bareResult.rps).toFixed(0)}% of bare${mr ? `, ${(r.rps / mr.rps).toFixed(1)}× moto` : ""}${all(results.get(name)!)}`,
        ),
      );
      if (mr && motoRuns) console.log(fmt(`moto_server (5k images):      ${name}`, mr, all(motoRuns)));
    }
  } finally {
    for (const c of children) c.kill("SIGTERM");
    rmSync(dataDir, { recursive: true, force: true });
  }
}

if (import.meta.url === `file://${process.argv[1]}`)
  await benchServer(process.env.BENCH_CLI ?? path.resolve(import.meta.dirname, "../dist/amigate.js"));
