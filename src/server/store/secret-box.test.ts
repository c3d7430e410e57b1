/** secret.key: created private, tightened when others may read it, read as is when already private. */
import assert from "node:assert/strict";
import { chmodSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { test } from "node:test";
import { SecretBox } from "./secret-box.js";

test("the key file: created 0600, a readable one tightened, a read-only private one left as it is", () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), "amigate-key-"));
  try {
    const created = path.join(dir, "new.key");
    const box = SecretBox.open(created);
    assert.equal(statSync(created).mode & 0o777, 0o600);
    const sealed = box.seal("secret", "AKIA1");

    const shared = path.join(dir, "shared.key");
    writeFileSync(shared, `${Buffer.alloc(32, 7).toString("base64")}\n`, { mode: 0o644 });
    chmodSync(shared, 0o644);
    SecretBox.open(shared);
    assert.equal(statSync(shared).mode & 0o777, 0o600);

    // As a secret manager mounts it: owner-read only; opening it needs no write.
    const mounted = path.join(dir, "mounted.key");
    writeFileSync(mounted, readFileSync(created, "utf8"), { mode: 0o400 });
    chmodSync(mounted, 0o400);
    assert.equal(SecretBox.open(mounted).open(sealed, "AKIA1"), "secret");
    assert.equal(statSync(mounted).mode & 0o777, 0o400);

    assert.throws(() => SecretBox.withoutKey().seal("secret", "AKIA1"), /holds no secret key/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
