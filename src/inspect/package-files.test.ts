import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { debianImage } from "../../test/support/trees.js";
import type { Image } from "../fs/image.js";
import { describeError } from "../io/errors.js";
import { FactStore } from "./context.js";
import { isPackageDerived, packageOwnedFiles } from "./package-files.js";
import { inspectorsByName } from "./registry.js";

/** The image for a read that must hit no unreadable directory. */
const readable = (image: Image) => ({
  image,
  unknown: (path: string, e: unknown) => assert.fail(`${path}: ${describeError(e)}`),
});

// An access key id assembled at run time so the source holds no key-shaped literal.
const KEY = ["AKIA", "Q3EGRDUWX7", "Z2MHN4"].join("");

describe("package-owned files are left out of the content pass", () => {
  it("lists dpkg's files outside /etc, under both spellings of a merged /usr", async () => {
    const owned = await packageOwnedFiles(readable(debianImage()));
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

  it("dpkg's own records and bytecode of packaged Python are vendor content too; other .pyc is read", async () => {
    const owned = await packageOwnedFiles(readable(debianImage()));
    const py = [...owned].find((p) => /^\/usr\/lib\/python3\/dist-packages\/.+\.py$/.test(p));
    assert.ok(py, "the rootfs has packaged Python");
    const dir = py.slice(0, py.lastIndexOf("/"));
    const stem = py.slice(dir.length + 1, -3);
    assert.equal(isPackageDerived(`${dir}/__pycache__/${stem}.cpython-311.pyc`, owned), true);
    assert.equal(isPackageDerived(`${dir}/__pycache__/not-packaged.cpython-311.pyc`, owned), false);
    assert.equal(isPackageDerived("/opt/app/__pycache__/settings.cpython-311.pyc", owned), false);
    assert.equal(isPackageDerived("/var/lib/dpkg/info/apt.md5sums", owned), true);
    assert.equal(isPackageDerived("/var/lib/dpkg/info/apt.list", owned), true);
    // Maintainer scripts may come from the publisher's own packages: still read.
    assert.equal(isPackageDerived("/var/lib/dpkg/info/apt.postinst", owned), false);

    const secret = `aws_access_key_id = ${KEY}\n`;
    const image = debianImage({
      [`${dir}/__pycache__/${stem}.cpython-311.pyc`]: secret,
      "/opt/app/__pycache__/settings.cpython-311.pyc": secret,
    });
    const content = await new FactStore(image, inspectorsByName).get("content");
    assert.deepEqual(
      content.secrets.map((s) => s.path),
      ["/opt/app/__pycache__/settings.cpython-311.pyc"],
    );
  });
});
