/**
 * The client side of upload sessions (upload-routes.ts): one pass over the file for its SHA-256
 * and each part's, then only the parts the server lacks, a few at a time, each retried on a
 * network error; then complete. The session's id is kept in a small state file named by the
 * file's digest, so a push cut short and run again with the same file resumes it; without that
 * file the caller's open sessions are asked for one with the same digest, size and part size.
 */
import { createHash } from "node:crypto";
import { createReadStream, promises as fsp } from "node:fs";
import path from "node:path";
import { ClientError, errorOf, type TransferProgress } from "./client.js";
import { type Credentials, signHeaders } from "./sign.js";
import { send, TransportError, textOf } from "./transport.js";

export interface MultipartOptions {
  partSize: number;
  /** Where the state files of unfinished uploads are kept. */
  stateDir: string;
  /** Parts in flight at once. */
  concurrency?: number;
  progress?: TransferProgress;
}

interface FileDigests {
  sha256: string;
  size: number;
  /** Each part's SHA-256, part 1 first. */
  parts: string[];
}

interface SessionView {
  uploadId: string;
  size: number;
  sha256: string;
  partSize: number;
  state: "open" | "assembling" | "complete" | "failed";
  parts?: Array<{ partNumber: number; sha256: string }>;
  imageLocation?: string;
}

/** The file's SHA-256 and its parts', in one read. */
export async function digestFile(
  file: string,
  partSize: number,
  advance?: (bytes: number) => void,
): Promise<FileDigests> {
  const whole = createHash("sha256");
  const parts: string[] = [];
  let part = createHash("sha256");
  let inPart = 0;
  let size = 0;
  for await (const c of createReadStream(file, { highWaterMark: 1024 * 1024 })) {
    let chunk = c as Buffer;
    whole.update(chunk);
    size += chunk.length;
    while (chunk.length > 0) {
      const take = Math.min(chunk.length, partSize - inPart);
      part.update(chunk.subarray(0, take));
      inPart += take;
      chunk = chunk.subarray(take);
      if (inPart === partSize) {
        parts.push(part.digest("hex"));
        part = createHash("sha256");
        inPart = 0;
      }
    }
    advance?.((c as Buffer).length);
  }
  if (inPart > 0 || size === 0) parts.push(part.digest("hex"));
  return { sha256: whole.digest("hex"), size, parts };
}

class Session {
  constructor(
    readonly endpoint: string,
    readonly credentials: Credentials,
  ) {}

  /** A signed call with a small body; the answer's status and parsed JSON (errors thrown). */
  async call<T>(method: string, p: string, body?: unknown): Promise<{ status: number; body: T }> {
    const url = new URL(p, this.endpoint);
    const text = body === undefined ? "" : JSON.stringify(body);
    const headers = await signHeaders(this.credentials, {
      method,
      url,
      headers: body === undefined ? {} : { "content-type": "application/json" },
      body: text,
    });
    const res = await send(url, method, headers, text ? Buffer.from(text) : undefined);
    const out = await textOf(res.body);
    if (res.status !== 200 && res.status !== 202) throw errorOf(res.status, out, this.credentials);
    return { status: res.status, body: JSON.parse(out) as T };
  }
}

const statePath = (stateDir: string, endpoint: string, credentials: Credentials, sha256: string) =>
  path.join(
    stateDir,
    `${sha256}-${createHash("sha256")
      .update(`${new URL(endpoint).origin}\n${credentials.accessKeyId}`)
      .digest("hex")
      .slice(0, 16)}.json`,
  );

async function readState(file: string): Promise<{ uploadId: string } | undefined> {
  try {
    const s = JSON.parse(await fsp.readFile(file, "utf8")) as { uploadId?: unknown };
    return typeof s.uploadId === "string" && /^[0-9a-f]{32}$/.test(s.uploadId)
      ? { uploadId: s.uploadId }
      : undefined;
  } catch {
    return undefined;
  }
}

async function writeState(file: string, state: { uploadId: string; endpoint: string; file: string }) {
  await fsp.mkdir(path.dirname(file), { recursive: true, mode: 0o700 });
  const tmp = `${file}.${process.pid}`;
  await fsp.writeFile(tmp, JSON.stringify(state), { mode: 0o600 });
  await fsp.rename(tmp, file);
}

/** The session to go on with: the state file's, else an open one for the same bytes; or none. */
async function existing(
  api: Session,
  stateFile: string,
  d: FileDigests,
  partSize: number,
): Promise<SessionView | undefined> {
  const same = (v: SessionView) =>
    v.sha256 === d.sha256 && v.size === d.size && v.partSize === partSize && v.state !== "failed";
  const state = await readState(stateFile);
  if (state) {
    try {
      const v = (await api.call<SessionView>("GET", `/amigate/uploads/${state.uploadId}`)).body;
      if (same(v)) return v;
      // Another part size than this push's: its parts are of no use, and they count against the quota.
      if (v.state === "open") await api.call("DELETE", `/amigate/uploads/${state.uploadId}`);
    } catch (e) {
      if (!(e instanceof ClientError && e.code === "NoSuchUpload")) throw e;
    }
  }
  const open = (await api.call<{ uploads: SessionView[] }>("GET", "/amigate/uploads")).body.uploads;
  const found = open.find(same);
  return found && (await api.call<SessionView>("GET", `/amigate/uploads/${found.uploadId}`)).body;
}

const RETRIES = 3;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const retryable = (e: unknown) =>
  e instanceof TransportError || (e instanceof ClientError && /^HTTP 5\d\d$|^InternalError/.test(e.message));

async function putPart(
  api: Session,
  file: string,
  uploadId: string,
  n: number,
  start: number,
  length: number,
  sha256: string,
  advance?: (bytes: number) => void,
): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    let sent = 0;
    try {
      const url = new URL(`/amigate/uploads/${uploadId}/parts/${n}`, api.endpoint);
      const headers = await signHeaders(api.credentials, {
        method: "PUT",
        url,
        headers: { "content-type": "application/octet-stream", "content-length": String(length) },
        bodySha256: sha256,
      });
      const body = createReadStream(file, { start, end: start + length - 1, highWaterMark: 1024 * 1024 });
      body.on("data", (c) => {
        sent += c.length;
        advance?.(c.length);
      });
      const res = await send(url, "PUT", headers, body);
      const out = await textOf(res.body);
      if (res.status !== 200) throw errorOf(res.status, out, api.credentials);
      return;
    } catch (e) {
      advance?.(-sent);
      if (attempt >= RETRIES || !retryable(e)) throw e;
      await sleep(1000 * 2 ** (attempt - 1));
    }
  }
}

/**
 * Uploads `file` in parts and completes the session; answers the blob's ImageLocation. A second
 * run after an interruption sends only the parts the server has not got.
 */
export async function pushInParts(
  endpoint: string,
  credentials: Credentials,
  file: string,
  o: MultipartOptions,
): Promise<string> {
  const { size } = await fsp.stat(file);
  o.progress?.phase?.("hashing", size);
  const d = await digestFile(file, o.partSize, o.progress?.advance);
  const api = new Session(endpoint, credentials);
  const stateFile = statePath(o.stateDir, endpoint, credentials, d.sha256);
  let session = await existing(api, stateFile, d, o.partSize);
  if (!session) {
    session = (
      await api.call<SessionView>("POST", "/amigate/uploads", {
        size: d.size,
        sha256: d.sha256,
        partSize: o.partSize,
      })
    ).body;
    await writeState(stateFile, { uploadId: session.uploadId, endpoint, file: path.resolve(file) });
  }
  const { uploadId } = session;
  if (session.state === "open") {
    const have = new Map((session.parts ?? []).map((p) => [p.partNumber, p.sha256]));
    const todo = d.parts.map((_, i) => i + 1).filter((n) => have.get(n) !== d.parts[n - 1]);
    o.progress?.phase?.("uploading", d.size);
    o.progress?.advance?.(d.size - todo.reduce((sum, n) => sum + partLength(d.size, o.partSize, n), 0));
    let next = 0;
    const worker = async () => {
      while (next < todo.length) {
        const n = todo[next++]!;
        const start = (n - 1) * o.partSize;
        await putPart(
          api,
          file,
          uploadId,
          n,
          start,
          partLength(d.size, o.partSize, n),
          d.parts[n - 1]!,
          o.progress?.advance,
        );
      }
    };
    await Promise.all(Array.from({ length: Math.min(o.concurrency ?? 4, Math.max(1, todo.length)) }, worker));
  }
  // 202 while the server assembles the parts (large images take a while); asked again until done.
  for (;;) {
    const r = await api.call<{ imageLocation?: string }>("POST", `/amigate/uploads/${uploadId}/complete`);
    if (r.status === 200 && r.body.imageLocation) {
      await fsp.rm(stateFile, { force: true });
      return r.body.imageLocation;
    }
    await sleep(1000);
  }
}

const partLength = (size: number, partSize: number, n: number) =>
  Math.min(partSize, size - (n - 1) * partSize);
