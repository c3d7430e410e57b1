/**
 * push and pull through a proxy named by the environment, as the AWS CLI and curl take it:
 * HTTP_PROXY for an http:// catalogue (absolute-URI requests), HTTPS_PROXY for an https:// one
 * (a CONNECT tunnel, the catalogue's certificate still checked against --ca-bundle), and NO_PROXY
 * going around the proxy. The proxy is a real forward proxy on 127.0.0.1 counting what it carries.
 */
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { after, before, test } from "node:test";
import { type ForwardProxy, startForwardProxy } from "../../test/support/forward-proxy.js";
import { type Front, type SelfSigned, selfSigned, startFront } from "../../test/support/front.js";
import {
  createAccount,
  type Keys,
  type ServerProcess,
  startServer,
} from "../../test/support/server-process.js";
import { vfatImagesPath } from "../../test/support/vfat-images.js";

const MAIN = path.resolve(import.meta.dirname, "main.ts");
let server: ServerProcess;
let acme: Keys;
let proxy: ForwardProxy;
let tls: SelfSigned;
let front: Front;
let dir: string;
let FILE: string;

before(async () => {
  server = await startServer();
  acme = createAccount(server.dataDir, "acme");
  proxy = await startForwardProxy();
  tls = selfSigned();
  front = await startFront(server.url, tls);
  dir = mkdtempSync(path.join(os.tmpdir(), "amigate-proxy-"));
  FILE = path.join(vfatImagesPath(), "fat12.img");
});
after(async () => {
  await front?.close();
  await proxy?.close();
  await server?.stop();
});

/** The CLI as a child, asynchronous: the proxy and the front answer in this process. */
function cli(args: string[], extra: Record<string, string>): Promise<{ code: number | null; out: string }> {
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const k of Object.keys(env)) if (/^(https?_proxy|no_proxy|all_proxy)$/i.test(k)) delete env[k];
  Object.assign(env, {
    AWS_ACCESS_KEY_ID: acme.accessKeyId,
    AWS_SECRET_ACCESS_KEY: acme.secretAccessKey,
    AWS_EC2_METADATA_DISABLED: "true",
    NO_COLOR: "1",
    ...extra,
  });
  const child = spawn(process.execPath, ["--import", "tsx", MAIN, ...args], {
    env,
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  child.stdout.on("data", (d) => {
    out += d;
  });
  child.stderr.on("data", (d) => {
    out += d;
  });
  return new Promise((resolve) => child.once("close", (code) => resolve({ code, out })));
}

test("HTTP_PROXY carries push and pull to an http:// catalogue; the bytes come back whole", async () => {
  const before = proxy.seen.length;
  const pushed = await cli(["push", FILE, "--name", "via-proxy", "--endpoint", server.url, "--json"], {
    HTTP_PROXY: proxy.url,
  });
  assert.equal(pushed.code, 0, pushed.out);
  const { imageId } = JSON.parse(pushed.out) as { imageId: string };
  const out = path.join(dir, "pulled.img");
  const pulled = await cli(["pull", imageId, "-o", out, "--accept-findings", "--endpoint", server.url], {
    http_proxy: proxy.url,
  });
  assert.equal(pulled.code, 0, pulled.out);
  assert.ok(readFileSync(out).equals(readFileSync(FILE)));
  const carried = proxy.seen.slice(before);
  const origin = server.url.replace(/\/$/, "");
  assert.ok(
    carried.some((l) => l === `PUT ${origin}/amigate/blobs`),
    carried.join("\n"),
  );
  assert.ok(
    carried.some((l) => l.startsWith(`POST ${origin}/`)),
    carried.join("\n"),
  );
  assert.ok(
    carried.some((l) => l === `GET ${origin}/amigate/images/${imageId}/blob`),
    carried.join("\n"),
  );
});

test("HTTPS_PROXY tunnels to an https:// catalogue with CONNECT; its certificate is still checked", async () => {
  const before = proxy.seen.length;
  const host = new URL(front.url).host;
  const pushed = await cli(
    ["push", FILE, "--name", "via-tunnel", "--endpoint", front.url, "--ca-bundle", tls.certFile, "--json"],
    { HTTPS_PROXY: proxy.url },
  );
  assert.equal(pushed.code, 0, pushed.out);
  assert.ok(
    proxy.seen.slice(before).every((l) => l === `CONNECT ${host}`),
    proxy.seen.slice(before).join("\n"),
  );
  assert.ok(proxy.seen.length > before);
  // Without the CA bundle the tunnel opens but the catalogue's self-signed certificate is refused.
  const untrusted = await cli(["push", FILE, "--name", "untrusted", "--endpoint", front.url], {
    HTTPS_PROXY: proxy.url,
  });
  assert.equal(untrusted.code, 2, untrusted.out);
  assert.match(untrusted.out, /certificate/i);
});

test("NO_PROXY naming the catalogue's host goes around the proxy", async () => {
  const before = proxy.seen.length;
  const pushed = await cli(["push", FILE, "--name", "no-proxy", "--endpoint", server.url, "--json"], {
    HTTP_PROXY: proxy.url,
    NO_PROXY: "localhost,127.0.0.1",
  });
  assert.equal(pushed.code, 0, pushed.out);
  assert.equal(proxy.seen.length, before);
});

test("a proxy that is not a URL is one line naming it (exit 2)", async () => {
  const r = await cli(["push", FILE, "--name", "bad-proxy", "--endpoint", server.url], {
    HTTP_PROXY: "::not a url",
  });
  assert.equal(r.code, 2, r.out);
  assert.equal(r.out.trim().split("\n").length, 1, r.out);
});
