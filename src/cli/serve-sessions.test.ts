/**
 * `amigate serve --session-idle/--session-max`: strict parsing (a bad value is one usage line and
 * exit 2, before anything is opened), and the lifetimes reaching the console's sessions, judged on
 * an injected clock.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import { type TestCatalogue, testCatalogue } from "../../test/support/catalogue.js";
import { ConsoleVisitor } from "../../test/support/console.js";
import { App } from "../server/app.js";
import type { NewAccount } from "../server/store/types.js";
import { sessionLifetimes } from "./serve.js";
import { parseDuration } from "./server-options.js";

const MAIN = path.resolve(import.meta.dirname, "main.ts");
const MINUTE = 60_000;

function serve(args: string[]) {
  const env: NodeJS.ProcessEnv = { ...process.env, FORCE_COLOR: "0", NO_COLOR: "1" };
  delete env.AMIGATE_SESSION_IDLE;
  delete env.AMIGATE_SESSION_MAX;
  return spawnSync(process.execPath, ["--import", "tsx", MAIN, "serve", ...args], {
    encoding: "utf8",
    env,
    timeout: 60_000,
  });
}

describe("parseDuration", () => {
  for (const [text, ms] of [
    ["30m", 30 * MINUTE],
    ["12h", 720 * MINUTE],
    ["1h30m", 90 * MINUTE],
    ["90s", 1.5 * MINUTE],
    ["7d", 7 * 1440 * MINUTE],
    ["1d2h3m4s", ((24 + 2) * 60 + 3) * MINUTE + 4000],
  ] as const)
    it(`${text} is ${ms} ms`, () => assert.equal(parseDuration(text), ms));
  for (const text of ["", "90", "30 m", "30M", "1.5h", "30m1h", "1h1h", "-5m", "m", "1w", "30min"])
    it(`refuses ${JSON.stringify(text)}`, () => assert.equal(parseDuration(text), undefined));
});

describe("serve's session flags", () => {
  for (const [args, message] of [
    [
      ["--session-idle", "90"],
      /^amigate serve: --session-idle must be a duration from 1m to 30d with units, e\.g\. 30m, 12h, 1h30m, got '90'\n$/,
    ],
    [
      ["--session-max", "31d"],
      /^amigate serve: --session-max must be a duration from 1m to 30d.*, got '31d'\n$/,
    ],
    [["--session-idle", "30s"], /^amigate serve: --session-idle must be .*, got '30s'\n$/],
    [
      ["--session-idle", "13h"],
      /^amigate serve: --session-idle \(13h\) must not be longer than --session-max \(12h\)\n$/,
    ],
  ] as const)
    it(`${args.join(" ")}: one usage line, exit 2`, () => {
      const r = serve([...args, "--data-dir", "/nonexistent/amigate-never-opened", "--port", "0"]);
      assert.equal(r.status, 2, r.stderr);
      assert.match(r.stderr, message);
      assert.equal(r.stdout, "");
    });

  it("--help names both, with their defaults", () => {
    const r = serve(["--help"]);
    assert.equal(r.status, 0);
    assert.match(
      r.stdout,
      /--session-idle <duration>\s+a web console session unused this long ends[^\n]*\n?[^\n]*default: "1h"/,
    );
    assert.match(r.stdout, /--session-max <duration>[\s\S]*?default: "12h"/);
  });
});

describe("console sessions live as long as the flags say", () => {
  let c: TestCatalogue;
  let alice: NewAccount;
  let now = Date.parse("2026-11-23T08:00:00Z");
  let visitor: ConsoleVisitor;
  before(async () => {
    c = await testCatalogue({ consoleSessions: sessionLifetimes({ sessionIdle: "30m", sessionMax: "2h" }) });
    alice = await c.account("alice");
    // The catalogue's App as serve makes it, on a clock the test moves.
    const app = new App({ ...c.app.deps, now: () => new Date(now) });
    visitor = new ConsoleVisitor({ ...c, app } as TestCatalogue);
  });
  after(() => c.dispose());

  it("a session unused past --session-idle is refused; in use, it lasts", async () => {
    assert.equal((await visitor.signIn(alice)).status, 303);
    now += 29 * MINUTE;
    assert.equal((await visitor.get("/images")).status, 200, "29 minutes idle");
    now += 31 * MINUTE;
    const r = await visitor.get("/images");
    assert.equal(r.status, 303, "31 minutes idle");
    assert.equal(r.headers.location, "/sign-in?next=%2Fimages");
    assert.equal((await visitor.get("/images")).status, 303, "the session is gone, not just refused once");
  });

  it("a busy session ends at --session-max", async () => {
    assert.equal((await visitor.signIn(alice)).status, 303);
    for (let minutes = 25; minutes <= 100; minutes += 25) {
      now += 25 * MINUTE;
      assert.equal((await visitor.get("/images")).status, 200, `busy, ${minutes} minutes in`);
    }
    now += 25 * MINUTE; // 125 minutes: past the 2 hours
    assert.equal((await visitor.get("/images")).status, 303);
  });

  it("a short idle time still keeps a busy session: it is touched often enough", async () => {
    const short = await testCatalogue({
      consoleSessions: sessionLifetimes({ sessionIdle: "1m", sessionMax: "1h" }),
    });
    try {
      const who = await short.account("bob");
      const app = new App({ ...short.app.deps, now: () => new Date(now) });
      const v = new ConsoleVisitor({ ...short, app } as TestCatalogue);
      assert.equal((await v.signIn(who)).status, 303);
      for (let i = 1; i <= 6; i++) {
        now += 20_000;
        assert.equal((await v.get("/images")).status, 200, `a page every 20 s, ${i * 20} s in`);
      }
      now += 61_000;
      assert.equal((await v.get("/images")).status, 303, "61 s idle");
    } finally {
      await short.dispose();
    }
  });
});
