import assert from "node:assert/strict";
import { test } from "node:test";
import { debianImage } from "../../../test/support/trees.js";
import { DEFAULT_INSPECT_OPTIONS } from "../../inspect/context.js";
import { evaluateRoot } from "../engine.js";
import { rules } from "./index.js";

/** The rules of the accounts/services area; the clean rootfs is the baseline every case mutates. */
const IDS = [
  "blank-password",
  "extra-uid0-account",
  "no-sudo-admin",
  "passwd-backup-hashes",
  "password-hash-login-user",
  "remote-access-agents",
  "root-password-blank",
  "root-password-set",
  "sshd-not-enabled",
  "telemetry-agents",
];

test("the clean Debian rootfs raises no account, sudo, sshd, remote-access or telemetry finding", async () => {
  const mine = rules.filter((r) => IDS.includes(r.id));
  assert.deepEqual(
    mine.map((r) => r.id),
    IDS,
  );
  const { findings, facts } = await evaluateRoot(
    { root: "/", image: debianImage() },
    { rules: mine, inspect: DEFAULT_INSPECT_OPTIONS },
  );
  assert.deepEqual(
    findings.map((f) => `${f.rule} ${f.path ?? ""}: ${f.message}`),
    [],
  );
  assert.deepEqual(facts.unknowns, []);
});
