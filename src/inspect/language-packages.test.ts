import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { memoryImage } from "../../test/support/trees.js";
import { describeError } from "../io/errors.js";
import { FactStore } from "./context.js";
import { languagePackageFiles } from "./language-packages.js";
import { inspectorsByName } from "./registry.js";

const VENV = "/opt/app/venv/lib/python3.11/site-packages";

/** A tree whose every file is indexed, and the owner test built from it (no unreadable list allowed). */
async function ownerOf(files: Record<string, string>) {
  const image = memoryImage(files);
  const index = await new FactStore(image, inspectorsByName).get("files");
  return languagePackageFiles({ image, unknown: (p, e) => assert.fail(`${p}: ${describeError(e)}`) }, index);
}

describe("files owned by language package managers", () => {
  it("knows each manager's tree by its path", async () => {
    const owner = await ownerOf({});
    const table: Array<[string, boolean]> = [
      [`${VENV}/botocore/data/endpoints.json`, true],
      ["/usr/local/lib/python3.11/dist-packages/requests/__init__.py", true],
      ["/root/.local/lib/python3.11/site-packages/x.py", true],
      ["/srv/web/node_modules/aws-sdk/lib/region_config_data.json", true],
      ["/var/lib/gems/3.1.0/gems/aws-sdk-core-3.190.0/lib/aws-sdk-core.rb", true],
      ["/srv/app/vendor/bundle/ruby/3.1.0/gems/rails-7.1.2/README.md", true],
      ["/srv/app/vendor/bundle/ruby/3.1.0/bundler/gems/mygem-0a1b2c3d/lib/x.rb", true],
      ["/root/go/pkg/mod/github.com/aws/aws-sdk-go@v1.50.0/aws/endpoints/defaults.go", true],
      ["/root/.cargo/registry/src/index.crates.io-6f17d22bba15001f/aws-config-1.1.0/src/lib.rs", true],
      ["/usr/local/cargo/git/checkouts/x-1/abc/src/lib.rs", true],
      ["/home/build/.m2/repository/com/amazonaws/aws-java-sdk-core/1.12.0/x.pom", true],
      ["/home/build/.gradle/caches/modules-2/files-2.1/x/y.jar", true],
      // The publisher's own configuration beside them.
      ["/opt/app/config.yml", false],
      ["/opt/app/venv/pyvenv.cfg", false],
      ["/srv/app/gems.rb", false],
      ["/srv/app/gems/local/settings.rb", false],
      // A folder called vendor/ without a manager's manifest is the publisher's.
      ["/var/www/site/vendor/settings.php", false],
    ];
    assert.deepEqual(
      table.map(([p]) => [p, owner.owns(p)]),
      table,
    );
  });

  it("a vendor/ folder is Composer's or Go's when the manager's manifest is in it", async () => {
    const owner = await ownerOf({
      "/var/www/shop/vendor/composer/installed.json": "{}",
      "/var/www/shop/vendor/aws/aws-sdk-php/src/data/endpoints.json.php": "<?php",
      "/srv/gosvc/vendor/modules.txt": "# github.com/aws/aws-sdk-go v1.50.0\n",
      "/var/www/blog/vendor/config.php": "<?php",
    });
    assert.equal(owner.owns("/var/www/shop/vendor/aws/aws-sdk-php/src/data/endpoints.json.php"), true);
    assert.equal(owner.owns("/srv/gosvc/vendor/github.com/aws/aws-sdk-go/aws/endpoints/defaults.go"), true);
    assert.equal(owner.owns("/var/www/shop/config/app.php"), false);
    assert.equal(owner.owns("/var/www/blog/vendor/config.php"), false);
  });

  it("pip's RECORD and egg-info lists name the files it put outside site-packages", async () => {
    const owner = await ownerOf({
      [`${VENV}/awscli-1.32.0.dist-info/RECORD`]: [
        "../../../bin/aws,sha256=abc,1200",
        '"../../../share/awscli/a,b.json",sha256=def,10',
        "awscli/__init__.py,sha256=ghi,300",
        "awscli-1.32.0.dist-info/RECORD,,",
        "",
      ].join("\n"),
      "/usr/local/lib/python3.11/dist-packages/legacy-1.0.egg-info/installed-files.txt":
        "../legacy/__init__.py\n../../../../bin/legacy-tool\n",
    });
    assert.equal(owner.owns("/opt/app/venv/bin/aws"), true);
    assert.equal(owner.owns("/opt/app/venv/share/awscli/a,b.json"), true);
    assert.equal(owner.owns("/usr/local/bin/legacy-tool"), true);
    // Files the venv tool wrote itself are no package's.
    assert.equal(owner.owns("/opt/app/venv/bin/activate"), false);
  });
});
