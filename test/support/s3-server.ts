/**
 * A real S3-protocol server on 127.0.0.1 for blob-store tests: s3rver (an npm devDependency, so CI
 * has it) and, where this machine has it, moto_server. Each runs as a child process, so a test can
 * block on spawnSync (the CLI) while the server answers. Credentials: s3rver takes S3RVER/S3RVER;
 * moto any.
 */
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import os from "node:os";
import path from "node:path";
import { CreateBucketCommand, S3Client } from "@aws-sdk/client-s3";
import type { S3Location } from "../../src/server/store/s3-location.js";
import { REPO_ROOT } from "./trees.js";

export type S3ServerKind = "s3rver" | "moto";

export interface S3Server {
  kind: S3ServerKind;
  endpoint: string;
  /** The environment a client (or `amigate serve`) needs to reach it. */
  env: Record<string, string>;
  /** Makes a bucket and returns its location (path-style, the server's endpoint). */
  bucket(name: string, prefix?: string): Promise<S3Location>;
  stop(): Promise<void>;
}

export const haveMoto = spawnSync("moto_server", ["--help"], { stdio: "ignore" }).status === 0;

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer().listen(0, "127.0.0.1", () => {
      const p = (s.address() as { port: number }).port;
      s.close(() => resolve(p));
    });
  });
}

export async function startS3(kind: S3ServerKind): Promise<S3Server> {
  const port = await freePort();
  const dir = mkdtempSync(path.join(os.tmpdir(), `amigate-${kind}-`));
  let child: ChildProcess;
  if (kind === "s3rver") {
    const bin = path.join(REPO_ROOT, "node_modules/s3rver/bin/s3rver.js");
    child = spawn(process.execPath, [bin, "-d", dir, "-a", "127.0.0.1", "-p", String(port), "--silent"], {
      stdio: "ignore",
    });
  } else {
    child = spawn("moto_server", ["-H", "127.0.0.1", "-p", String(port)], { stdio: "ignore" });
  }
  const endpoint = `http://127.0.0.1:${port}`;
  for (let i = 0; ; i++) {
    try {
      await fetch(`${endpoint}/`);
      break;
    } catch {
      if (i > 300 || child.exitCode !== null) throw new Error(`${kind} did not start on ${endpoint}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  const env = {
    AWS_ACCESS_KEY_ID: kind === "s3rver" ? "S3RVER" : "testing",
    AWS_SECRET_ACCESS_KEY: kind === "s3rver" ? "S3RVER" : "testing",
    AWS_REGION: "us-east-1",
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true",
  };
  return {
    kind,
    endpoint,
    env,
    async bucket(name, prefix = "") {
      const at: S3Location = { bucket: name, prefix, region: "us-east-1", endpoint, forcePathStyle: true };
      const client = new S3Client({
        region: "us-east-1",
        endpoint,
        forcePathStyle: true,
        credentials: { accessKeyId: env.AWS_ACCESS_KEY_ID, secretAccessKey: env.AWS_SECRET_ACCESS_KEY },
      });
      await client.send(new CreateBucketCommand({ Bucket: name }));
      client.destroy();
      return at;
    },
    stop: () =>
      new Promise<void>((resolve) => {
        const done = () => {
          rmSync(dir, { recursive: true, force: true });
          resolve();
        };
        if (child.exitCode !== null || child.signalCode !== null) return done();
        child.once("exit", done);
        child.kill("SIGTERM");
      }),
  };
}
