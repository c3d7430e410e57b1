/** A real `amigate serve` child process on 127.0.0.1 and a random port, for end-to-end tests. */

import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { EC2Client } from "@aws-sdk/client-ec2";

const MAIN = path.resolve(import.meta.dirname, "../../src/cli/main.ts");

/** How to run the CLI: from source through tsx, or a built bundle when AMIGATE_TEST_CLI names one. */
function cliArgs(): string[] {
  const bundle = process.env.AMIGATE_TEST_CLI;
  return bundle ? [bundle] : ["--import", "tsx", MAIN];
}

export interface ServerProcess {
  url: string;
  dataDir: string;
  child: ChildProcess;
  stdout: string;
  stop(signal?: NodeJS.Signals): Promise<void>;
}

export function amigate(args: string[], env: Record<string, string> = {}): string {
  return execFileSync(process.execPath, [...cliArgs(), ...args], {
    encoding: "utf8",
    env: { ...process.env, ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
}

/** Data folders startServer made itself: removed as the test process exits (a test may stop a
 * server and start another on the same folder, so not at stop). Each held a catalogue and blobs,
 * ~35 MB a server, ~0.7 GB a full run. */
const madeDirs: string[] = [];
process.once("exit", () => {
  for (const dir of madeDirs) rmSync(dir, { recursive: true, force: true });
});

/**
 * A real `amigate serve`. These tests have no vulnerability database, so unless
 * `requireVulnerabilityChecks` the server is started with --allow-unchecked-vulnerabilities (the
 * gate's own tests say what happens without it).
 */
export async function startServer(
  dataDir?: string,
  extra: string[] = [],
  options: { requireVulnerabilityChecks?: boolean } = {},
): Promise<ServerProcess> {
  const dir = dataDir ?? mkdtempSync(path.join(os.tmpdir(), "amigate-srv-"));
  if (dataDir === undefined) madeDirs.push(dir);
  const lenient = options.requireVulnerabilityChecks ? [] : ["--allow-unchecked-vulnerabilities"];
  const args = [...cliArgs(), "serve", "--port", "0", "--data-dir", dir, ...lenient, ...extra];
  const child = spawn(process.execPath, args, {
    stdio: ["ignore", "pipe", "pipe"],
    // Scans judge end of life on a fixed day, so reports do not change with the calendar.
    env: { ...process.env, AMIGATE_SCAN_AS_OF: process.env.AMIGATE_SCAN_AS_OF ?? "2026-03-01" },
  });
  let stdout = "";
  let stderr = "";
  child.stderr!.on("data", (d) => {
    stderr += d;
  });
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`serve did not start: ${stderr}`)), 30_000);
    child.stdout!.on("data", (d) => {
      stdout += d;
      const m = /listening on (http:\/\/\S+)/.exec(stdout);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]!);
      }
    });
    child.once("exit", (code) => reject(new Error(`serve exited ${code}: ${stderr}`)));
  });
  const proc: ServerProcess = {
    url,
    dataDir: dir,
    child,
    get stdout() {
      return stdout;
    },
    stop: (signal = "SIGTERM") =>
      new Promise((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve();
        child.once("exit", () => resolve());
        child.kill(signal);
      }),
  };
  return proc;
}

export interface Keys {
  accountId: string;
  accessKeyId: string;
  secretAccessKey: string;
}

export function createAccount(dataDir: string, alias: string, extra: string[] = []): Keys {
  return JSON.parse(
    amigate(["accounts", "create", "--alias", alias, "--data-dir", dataDir, "--json", ...extra]),
  ) as Keys;
}

/** The Debian AWS CLI v2 (/usr/bin/aws; the first `aws` on PATH may be a v1). */
export function aws(
  server: ServerProcess,
  keys: Keys,
  args: string[],
): { code: number; stdout: string; stderr: string } {
  try {
    const stdout = execFileSync(
      "/usr/bin/aws",
      ["--endpoint-url", server.url, "--region", "us-east-1", "--output", "json", ...args],
      {
        encoding: "utf8",
        env: {
          PATH: process.env.PATH ?? "/usr/bin:/bin",
          HOME: process.env.HOME ?? "/root",
          AWS_ACCESS_KEY_ID: keys.accessKeyId,
          AWS_SECRET_ACCESS_KEY: keys.secretAccessKey,
          AWS_CONFIG_FILE: "/dev/null",
          AWS_SHARED_CREDENTIALS_FILE: "/dev/null",
          AWS_PAGER: "",
          AWS_MAX_ATTEMPTS: "1",
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

/** A SigV4-signed GET of one of the server's own paths (/amigate/…). */
export async function signedGet(server: ServerProcess, keys: Keys, p: string): Promise<Response> {
  const { signHeaders } = await import("../../src/server/sign.js");
  const url = new URL(p, server.url);
  const headers = await signHeaders(keys, { method: "GET", url, headers: {}, body: "" });
  return fetch(url, { headers });
}

/** Polls an image's scan report until the worker has finished with it (done or failed). */
export async function waitForScan(
  server: ServerProcess,
  keys: Keys,
  imageId: string,
): Promise<Record<string, unknown>> {
  for (let i = 0; i < 240; i++) {
    const r = (await (
      await signedGet(server, keys, `/amigate/images/${imageId}/scan.json`)
    ).json()) as Record<string, unknown>;
    if (r.status === "done" || r.status === "failed") return r;
    await new Promise((res) => setTimeout(res, 250));
  }
  throw new Error(`the scan of ${imageId} did not finish`);
}

/** A signed EC2 query call over HTTP to any endpoint (ours or moto_server). */
export async function ec2Http(
  endpoint: string,
  keys: { accessKeyId: string; secretAccessKey: string },
  action: string,
  params: Record<string, string> = {},
): Promise<{ status: number; raw: string }> {
  const { signHeaders } = await import("../../src/server/sign.js");
  const url = new URL("/", endpoint);
  const body = new URLSearchParams({ Action: action, Version: "2016-11-15", ...params }).toString();
  const headers = await signHeaders(keys, {
    method: "POST",
    url,
    headers: { "content-type": "application/x-www-form-urlencoded; charset=utf-8" },
    body,
  });
  const res = await fetch(url, { method: "POST", headers, body });
  return { status: res.status, raw: await res.text() };
}

/** moto_server on 127.0.0.1 and a free port, without its default AMIs (slow to load). */
export async function startMoto(): Promise<{ url: string; stop(): Promise<void> }> {
  const { createServer } = await import("node:net");
  const port = await new Promise<number>((resolve) => {
    const s = createServer().listen(0, "127.0.0.1", () => {
      const p = (s.address() as { port: number }).port;
      s.close(() => resolve(p));
    });
  });
  const child = spawn("moto_server", ["-H", "127.0.0.1", "-p", String(port)], {
    stdio: ["ignore", "ignore", "pipe"],
    env: { ...process.env, MOTO_EC2_LOAD_DEFAULT_AMIS: "false" },
  });
  const url = `http://127.0.0.1:${port}`;
  for (let i = 0; i < 200; i++) {
    try {
      await fetch(`${url}/moto-api/`);
      break;
    } catch {
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  return {
    url,
    stop: () =>
      new Promise((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once("exit", () => resolve());
        child.kill("SIGTERM");
      }),
  };
}

/** The AWS SDK's EC2 client against a catalogue, signing as `keys`, without retries. */
export function ec2Client(endpoint: string, keys: Pick<Keys, "accessKeyId" | "secretAccessKey">): EC2Client {
  return new EC2Client({
    endpoint,
    region: "us-east-1",
    credentials: { accessKeyId: keys.accessKeyId, secretAccessKey: keys.secretAccessKey },
    maxAttempts: 1,
  });
}
