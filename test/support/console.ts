/**
 * The web console's story catalogue (issue 16): account A owns a failing image (the seeded Debian
 * rootfs: real high findings), a passing one (the clean rootfs) and a private one; B is who A
 * shares with. Scans are the worker's own function (runScanJob) over the fixture directories, with
 * a vulnerability database imported from the corpus's Debian OSV records, so the gate judges real
 * reports. Used by the console's tests and by scripts/console-screenshots.ts.
 */
import assert from "node:assert/strict";
import path from "node:path";
import { runScanJob } from "../../src/server/scan-worker.js";
import type { NewAccount } from "../../src/server/store/types.js";
import type { AppRequest } from "../../src/server/types.js";
import { bodyText, member, type TestCatalogue, testCatalogue } from "./catalogue.js";
import { amigate } from "./server-process.js";
import { debianRootfsPath, SHARED } from "./trees.js";

export interface ConsoleStory {
  c: TestCatalogue;
  a: NewAccount;
  b: NewAccount;
  /** Fails the gate: ssh-password-auth, private keys, AWS credentials … */
  failing: string;
  /** Passes the gate. */
  passing: string;
  /** A's, never shared. */
  privateImage: string;
}

export async function consoleStory(): Promise<ConsoleStory> {
  // Scans judge end of life on a fixed day, so verdicts do not move with the calendar.
  process.env.AMIGATE_SCAN_AS_OF ??= "2026-03-01";
  const c = await testCatalogue({ gateScope: "public", gateSeverity: "high" });
  const a = await c.account("alice");
  const b = await c.account("bob");
  const clean = debianRootfsPath();
  const seeded = path.join(path.dirname(clean), "debian-bookworm-seeded");
  const vulnDb = path.join(c.dataDir, "vulns.db");
  amigate(["db", "import", path.join(SHARED, "corpus/osv/debian"), "--db", vulnDb]);
  const failingScan = await runScanJob({ path: seeded, imageId: "seeded", failOn: "high", vulnDb });
  const passingScan = await runScanJob({ path: clean, imageId: "clean", failOn: "high", vulnDb });
  assert.ok(failingScan.ok && passingScan.ok);
  const register = async (name: string, description: string, report: string) => {
    const r = await c.call(a, "RegisterImage", {
      Name: name,
      Description: description,
      Architecture: "x86_64",
      VirtualizationType: "hvm",
      RootDeviceName: "/dev/xvda",
    });
    const imageId = member(r, "RegisterImage", "imageId") as string;
    assert.match(imageId, /^ami-/, r.raw);
    const scan = await c.store.createScan(imageId);
    await c.store.updateScan(scan.scanId, { status: "done", finishedAt: new Date().toISOString(), report });
    return imageId;
  };
  const failing = await register("web-seeded", "Web server build with leftovers", failingScan.report);
  const passing = await register("debian-12-base", "Debian 12 base image", passingScan.report);
  const privateImage = await register("internal-build", "Not for sharing", passingScan.report);
  return { c, a, b, failing, passing, privateImage };
}

/** A browser-less visitor of the console through App.handle: keeps cookies, sends forms. */
export class ConsoleVisitor {
  readonly cookies = new Map<string, string>();

  constructor(
    private readonly c: TestCatalogue,
    private readonly extraHeaders: Record<string, string> = {},
  ) {}

  async send(
    method: string,
    url: string,
    form?: Record<string, string>,
    headers: Record<string, string> = {},
  ) {
    const body = form ? new URLSearchParams(form).toString() : "";
    const req: AppRequest = {
      method,
      url,
      headers: {
        host: "127.0.0.1:8754",
        ...(form
          ? { "content-type": "application/x-www-form-urlencoded", origin: "http://127.0.0.1:8754" }
          : {}),
        ...(this.cookies.size > 0
          ? { cookie: [...this.cookies].map(([k, v]) => `${k}=${v}`).join("; ") }
          : {}),
        ...this.extraHeaders,
        ...headers,
      },
      body: Buffer.from(body),
      remoteAddress: "127.0.0.1",
    };
    const res = await this.c.app.handle(req);
    const setCookie = res.headers["set-cookie"];
    if (setCookie) {
      const [pair] = setCookie.split(";");
      const eq = pair!.indexOf("=");
      const name = pair!.slice(0, eq);
      const value = pair!.slice(eq + 1);
      if (/Max-Age=0/.test(setCookie)) this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
    return { status: res.status, headers: res.headers, text: await bodyText(res) };
  }

  get(url: string) {
    return this.send("GET", url);
  }

  /** The value of a form's hidden csrf field on the page. */
  static csrfOf(html: string): string {
    const m = /name="csrf" value="([^"]+)"/.exec(html);
    assert.ok(m, "the page has a form with a csrf field");
    return m[1]!;
  }

  async signIn(keys: NewAccount): Promise<{ status: number; headers: Record<string, string>; text: string }> {
    const form = await this.get("/sign-in");
    return this.send("POST", "/sign-in", {
      csrf: ConsoleVisitor.csrfOf(form.text),
      accessKeyId: keys.accessKeyId,
      secretAccessKey: keys.secretAccessKey,
    });
  }
}
