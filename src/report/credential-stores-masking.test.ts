import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { STORE_CASES } from "../../test/support/credential-store-trees.js";
import { debianImage } from "../../test/support/trees.js";
import type { OverlayChange } from "../fs/overlay.js";
import { scan } from "../scan/session.js";
import { REPORT_FORMATS, renderReport } from "./index.js";

describe("credential stores never reach a report in clear", () => {
  it("every store's secrets are absent from every report format, and each store is reported", async () => {
    const changes: Record<string, OverlayChange | string> = {};
    for (const c of STORE_CASES)
      for (const [path, change] of Object.entries(c.failing)) {
        assert.ok(!(path in changes), `${path} is seeded by two cases`);
        changes[path] = change;
      }
    const result = await scan(
      { input: "test", kind: "directory", description: "debian + credential stores" },
      [{ root: "/", image: debianImage(changes) }],
    );
    const reported = new Set(
      result.findings
        .filter((f) => f.rule === "credential-store" || f.rule === "credential-in-config")
        .map((f) => f.path),
    );
    assert.deepEqual(
      STORE_CASES.map((c) => c.finding.path).filter((p) => !reported.has(p)),
      [],
      "stores not reported when seeded together",
    );
    const secrets = STORE_CASES.flatMap((c) => c.secrets.map((s) => [c.name, s] as const));
    assert.ok(secrets.length > 40, `${secrets.length} secret values seeded`);
    for (const format of REPORT_FORMATS) {
      const text = renderReport(result, format, { color: false });
      for (const [name, secret] of secrets)
        assert.ok(!text.includes(secret), `${format} report shows a secret of ${name}`);
      assert.ok(text.includes("root/.netrc"), `${format} report names the stores`);
    }
  });
});
