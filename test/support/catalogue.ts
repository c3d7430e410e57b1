/** In-process catalogue for tests: a temp data dir, accounts, and signed EC2 calls through handle(). */
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { XMLParser } from "fast-xml-parser";
import { type Catalogue, type CatalogueOptions, openCatalogue } from "../../src/server/catalogue.js";
import { signHeaders } from "../../src/server/sign.js";
import type { NewAccount } from "../../src/server/store/types.js";
import type { AppResponse } from "../../src/server/types.js";

export interface TestCatalogue extends Catalogue {
  dataDir: string;
  account(alias?: string): Promise<NewAccount>;
  call(who: NewAccount, action: string, params?: Record<string, string>): Promise<Ec2Reply>;
  dispose(): Promise<void>;
}

export interface Ec2Reply {
  status: number;
  /** The parsed XML document (fast-xml-parser; lists stay arrays under `item`). */
  body: Record<string, unknown>;
  raw: string;
  /** Errors: the EC2 error code. */
  code?: string;
  message?: string;
}

const parser = new XMLParser({
  ignoreAttributes: true,
  isArray: (name) => name === "item",
  parseTagValue: false,
});

export function parseEc2(raw: string, status: number): Ec2Reply {
  const body = parser.parse(raw) as Record<string, unknown>;
  const err = (body.Response as { Errors?: { Error?: { Code: string; Message: string } } } | undefined)
    ?.Errors?.Error;
  return { status, body, raw, ...(err ? { code: err.Code, message: err.Message } : {}) };
}

export async function bodyText(res: AppResponse): Promise<string> {
  if (typeof res.body === "string") return res.body;
  if (Buffer.isBuffer(res.body)) return res.body.toString("utf8");
  if (Array.isArray(res.body)) return Buffer.concat(res.body).toString("utf8");
  const chunks: Buffer[] = [];
  for await (const c of res.body) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString("utf8");
}

export async function testCatalogue(options: Partial<CatalogueOptions> = {}): Promise<TestCatalogue> {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), "amigate-cat-"));
  const cat = await openCatalogue({ dataDir, gateScope: "off", ...options });
  const endpoint = new URL("http://127.0.0.1:8754/");
  return {
    ...cat,
    dataDir,
    account: (alias) => cat.store.createAccount(alias !== undefined ? { alias } : {}),
    async call(who, action, params = {}) {
      const body = new URLSearchParams({ Action: action, Version: "2016-11-15", ...params }).toString();
      // Signed at the server's time: a test that moves its clock (deps.now) moves the client's too.
      const signingDate = cat.app.deps.now?.();
      const headers = await signHeaders(who, {
        method: "POST",
        url: endpoint,
        headers: { "content-type": "application/x-www-form-urlencoded; charset=utf-8" },
        body,
        ...(signingDate ? { signingDate } : {}),
      });
      const res = await cat.app.handle({
        method: "POST",
        url: "/",
        headers: Object.fromEntries(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), v])),
        body: Buffer.from(body),
        remoteAddress: "127.0.0.1",
      });
      return parseEc2(await bodyText(res), res.status);
    },
    async dispose() {
      await cat.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** The items of a `<xSet><item>…` list in a parsed response. */
export function items(reply: Ec2Reply, action: string, set: string): Array<Record<string, unknown>> {
  const root = reply.body[`${action}Response`] as Record<string, unknown> | undefined;
  const s = root?.[set] as { item?: Array<Record<string, unknown>> } | "" | undefined;
  return s && typeof s === "object" ? (s.item ?? []) : [];
}

export function member(reply: Ec2Reply, action: string, name: string): unknown {
  return (reply.body[`${action}Response`] as Record<string, unknown> | undefined)?.[name];
}
