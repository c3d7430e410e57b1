import assert from "node:assert/strict";
import { test } from "node:test";
import { FREE_FAILURES, SignInThrottle } from "./throttle.js";

test("five wrong secrets are free, then each failure doubles the lock (1 s, 2 s, 4 s …)", () => {
  let now = 1_000_000;
  const t = new SignInThrottle(() => now);
  for (let i = 0; i < FREE_FAILURES - 1; i++) {
    t.failed("AKIAEXAMPLE");
    assert.equal(t.retryAfterMs("AKIAEXAMPLE"), 0);
  }
  t.failed("AKIAEXAMPLE");
  assert.equal(t.retryAfterMs("AKIAEXAMPLE"), 1000);
  now += 1000;
  assert.equal(t.retryAfterMs("AKIAEXAMPLE"), 0);
  t.failed("AKIAEXAMPLE");
  assert.equal(t.retryAfterMs("AKIAEXAMPLE"), 2000);
  now += 2000;
  t.failed("AKIAEXAMPLE");
  assert.equal(t.retryAfterMs("AKIAEXAMPLE"), 4000);
  // Another key id is not affected.
  assert.equal(t.retryAfterMs("AKIAOTHER"), 0);
});

test("the lock is capped at 15 minutes; a success clears the count; old failures are forgotten", () => {
  let now = 0;
  const t = new SignInThrottle(() => now);
  for (let i = 0; i < 40; i++) t.failed("AKIAX");
  assert.equal(t.retryAfterMs("AKIAX"), 15 * 60_000);
  t.succeeded("AKIAX");
  assert.equal(t.retryAfterMs("AKIAX"), 0);
  for (let i = 0; i < FREE_FAILURES - 1; i++) t.failed("AKIAY");
  now += 16 * 60_000;
  // Four failures 16 minutes ago no longer count: the next one is the first.
  t.failed("AKIAY");
  assert.equal(t.retryAfterMs("AKIAY"), 0);
});

test("a flood of made-up key ids keeps the table bounded", () => {
  const t = new SignInThrottle(() => 0);
  for (let i = 0; i < 25_000; i++) t.failed(`AKIA${i}`);
  assert.equal(t.size, 10_000);
  // The newest are kept.
  for (let i = 1; i < FREE_FAILURES; i++) t.failed("AKIA24999");
  assert.ok(t.retryAfterMs("AKIA24999") > 0);
});
