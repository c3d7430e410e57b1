import assert from "node:assert/strict";
import { type IncomingMessage, request } from "node:http";
import { after, before, test } from "node:test";
import { items, parseEc2, type TestCatalogue, testCatalogue } from "../../test/support/catalogue.js";
import { testImage } from "../../test/support/store.js";
import { serve } from "./http.js";
import { ResponsePool } from "./response-pool.js";
import { signHeaders } from "./sign.js";
import type { NewAccount } from "./store/types.js";

test("a pooled buffer is handed out again only after its release", () => {
  const pool = new ResponsePool(64, 4);
  const a = pool.join([Buffer.from("ab"), Buffer.from("cd")]);
  assert.equal(a.body.toString(), "abcd");
  const b = pool.join([Buffer.from("xyz")]);
  assert.equal(a.body.toString(), "abcd", "a second response while the first is in flight");
  assert.equal(b.body.toString(), "xyz");
  a.release();
  a.release(); // twice is once
  const c = pool.join([Buffer.from("12")]);
  assert.equal(c.body.buffer, a.body.buffer, "the released buffer is reused");
  const d = pool.join([Buffer.from("34")]);
  assert.notEqual(d.body.buffer, a.body.buffer, "released once, handed out once");
  const big = pool.join([Buffer.alloc(65, 1)]);
  assert.equal(big.body.length, 65, "larger than a pooled buffer: a buffer of its own");
});

// DescribeImages answers of ~6 MB over real sockets, read only after both were sent: more than the
// kernel's socket buffers hold (send buffer at most 4 MB here), so the first write is still pending
// when the second answer is made. Each answer is whole and the caller's own: no pooled buffer was
// reused while its bytes were still being sent.
const PER_CALLER = 3500;
let c: TestCatalogue;
let callers: NewAccount[];
before(async () => {
  c = await testCatalogue();
  callers = [await c.account("pool-0"), await c.account("pool-1")];
  c.store.bulk(() => {
    callers.forEach((who, n) => {
      for (let i = 0; i < PER_CALLER; i++)
        void c.store.insertImage(
          testImage(who.account.accountId, `pool-${n}-${i}`, { description: String(n).repeat(1000) }),
          [],
        );
    });
  });
});
after(() => c.dispose());

const DESCRIBE = "Action=DescribeImages&Version=2016-11-15&Owner.1=self";

/** A signed DescribeImages; node:http leaves the unread answer paused (the socket stops at 16 KB). */
async function send(url: string, who: NewAccount): Promise<IncomingMessage> {
  const headers = await signHeaders(who, {
    method: "POST",
    url: new URL("/", url),
    headers: { "content-type": "application/x-www-form-urlencoded; charset=utf-8" },
    body: DESCRIBE,
  });
  return new Promise<IncomingMessage>((resolve, reject) =>
    request(new URL("/", url), { method: "POST", headers, agent: false }, resolve)
      .on("error", reject)
      .end(DESCRIBE),
  );
}

/** Reads the answer and checks it is whole and holds only `who`'s images. */
async function assertWhole(res: IncomingMessage, who: NewAccount, n: number): Promise<void> {
  const chunks: Buffer[] = [];
  for await (const chunk of res) chunks.push(chunk as Buffer);
  const raw = Buffer.concat(chunks).toString("utf8");
  assert.ok(raw.length > 5_000_000, `request ${n}: ${raw.length} bytes`);
  const own = callers.indexOf(who);
  const got = items(parseEc2(raw, res.statusCode ?? 0), "DescribeImages", "imagesSet");
  assert.equal(got.length, PER_CALLER, `request ${n}`);
  assert.ok(
    got.every(
      (i) => (i.name as string).startsWith(`pool-${own}-`) && i.description === String(own).repeat(1000),
    ),
    `request ${n} got bytes of another answer`,
  );
}

test("DescribeImages answers still being sent keep their pooled buffers", async () => {
  let pending = 0;
  const { server, url } = await serve(c.app, "127.0.0.1", 0, new ResponsePool(8 << 20, 4));
  server.on("request", (_req, res) => {
    res.on("prefinish", () => {
      if ((res.socket?.writableLength ?? 0) > 0) pending++;
    });
  });
  try {
    const sent: Array<{ who: NewAccount; res: IncomingMessage }> = [];
    for (let n = 0; n < 4; n++) sent.push({ who: callers[n % 2]!, res: await send(url, callers[n % 2]!) });
    await new Promise((r) => setTimeout(r, 100));
    for (const [n, { who, res }] of sent.entries()) await assertWhole(res, who, n);
    assert.ok(pending > 0, "the test made no write wait for the reader");
  } finally {
    server.close();
  }
});

test("a client that hangs up in the middle of an answer: the server goes on, later answers are whole", async () => {
  const { server, url } = await serve(c.app, "127.0.0.1", 0, new ResponsePool(8 << 20, 1));
  try {
    for (let round = 0; round < 3; round++) {
      const dropped = await send(url, callers[0]!);
      await new Promise<void>((resolve) => dropped.once("data", () => resolve()));
      dropped.destroy();
      const kept = await send(url, callers[1]!);
      await assertWhole(kept, callers[1]!, round);
    }
  } finally {
    server.close();
  }
});
