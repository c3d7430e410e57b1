import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { debianImage } from "../testing/trees.js";
import { FactStore } from "./context.js";
import { packageOwnedFiles } from "./package-files.js";
import { inspectorsByName } from "./registry.js";

// An access key id assembled at run time so the source holds no key-shaped literal.
const KEY = ["AKIA", "Q3EGRDUWX7", "Z2MHN4"].join("");

describe("package-owned files are left out of the content pass", () => {
  it("lists dpkg's files outside /etc, under both spellings of a merged /usr", async () => {
    const owned = await packageOwnedFiles(debianImage());
    assert.ok(owned.has("/usr/share/debconf/confmodule"));
    // apt.list names /lib/systemd/system/apt-daily-upgrade.service; /lib is a link to /usr/lib.
    assert.ok(owned.has("/lib/systemd/system/apt-daily-upgrade.service"));
    assert.ok(owned.has("/usr/lib/systemd/system/apt-daily-upgrade.service"));
    assert.ok(![...owned].some((p) => p.startsWith("/etc/")), "conffiles under /etc are always read");
  });

  it("a key in a vendor file is not read; the same key in /usr/local and /etc is found", async () => {
    const secret = `aws_access_key_id = ${KEY}\n`;
    const image = debianImage({
      "/usr/share/debconf/confmodule": secret,
      "/usr/local/share/app/settings.ini": secret,
      "/etc/app.conf": secret,
    });
    const content = await new FactStore(image, inspectorsByName).get("content");
    assert.deepEqual(
      content.secrets.map((s) => s.path),
      ["/etc/app.conf", "/usr/local/share/app/settings.ini"],
    );
    assert.ok(content.stats.packageFiles > 5000);
  });
});
