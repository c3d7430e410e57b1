import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { debianImage } from "../../test/support/trees.js";
import { scan } from "../scan/session.js";
import { REPORT_FORMATS, renderReport } from "./index.js";

describe("reports never carry a password found in settings or a URL", () => {
  it("shows the setting, the URL's user and host, and only the length of the secret, in every format", async () => {
    // Made-up values; none is a real credential.
    const secrets = { password: "hunter2rocks", apiKey: "k3y-8f7a6d5c4b3a2918", inUrl: "Pw0rd2024" };
    const image = debianImage({
      "/var/www/html/wp-config.php": `<?php\ndefine('DB_PASSWORD', '${secrets.password}');\n`,
      "/opt/app/config.json": `{"api_key": "${secrets.apiKey}"}\n`,
      "/opt/app/.env": `DATABASE_URL=postgres://app:${secrets.inUrl}@db.internal/app\n`,
    });
    const result = await scan({ input: "test", kind: "directory", description: "debian + settings" }, [
      { root: "/", image },
    ]);
    assert.deepEqual(
      result.findings
        .filter((f) => ["app-config-password", "app-config-secret", "url-credentials"].includes(f.rule))
        .map((f) => [f.rule, f.evidence])
        .sort(),
      [
        ["app-config-password", "DB_PASSWORD = ************ (12 chars)"],
        ["app-config-secret", "api_key = ************ (20 chars)"],
        ["url-credentials", "postgres://app:*********@db.internal"],
      ],
    );
    for (const format of REPORT_FORMATS) {
      const text = renderReport(result, format, { color: false });
      for (const [name, value] of Object.entries(secrets))
        assert.ok(!text.includes(value), `${format} report holds ${name}`);
      assert.ok(
        text.includes("postgres://app:*********@db.internal"),
        `${format} report shows the masked URL`,
      );
    }
  });
});
