import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { debianImage, memoryImage } from "../../../test/support/trees.js";
import type { Image } from "../../fs/image.js";
import type { OverlayChange } from "../../fs/overlay.js";
import { FactStore } from "../context.js";
import { inspectorsByName } from "../registry.js";
import { venvCycle } from "./unpackaged-runtimes.js";

const dir: OverlayChange = { type: "directory" };
const file = (content = ""): OverlayChange => ({ type: "file", content });

/** "product cycle kind:detail evidence" per runtime, sorted: what the table compares. */
async function runtimes(image: Image): Promise<string[]> {
  const f = await new FactStore(image, inspectorsByName).get("packages");
  return f.runtimes
    .map((r) => {
      const how =
        r.installedBy.kind === "package"
          ? `package:${r.installedBy.package}${r.installedBy.component ? `/${r.installedBy.component}` : ""}`
          : `unpackaged:${r.installedBy.via}${r.installedBy.manager ? `/${r.installedBy.manager}` : ""}`;
      return `${r.product} ${r.cycle} ${how} ${r.evidence}`;
    })
    .sort();
}

const DEBIAN_PYTHON = "python 3.11 package:python3 dpkg package python3";

describe("runtimes: packaged or not", () => {
  const cases: Array<{ name: string; image: () => Image; want: string[] }> = [
    {
      name: "the Debian rootfs: Python 3.11 from Debian's packages, nothing else",
      image: () => debianImage(),
      want: [DEBIAN_PYTHON],
    },
    {
      name: "a python3.8 built into /usr/local/bin (no package owns it)",
      image: () => debianImage({ "/usr/local/bin/python3.8": file() }),
      want: [DEBIAN_PYTHON, "python 3.8 unpackaged:binary /usr/local/bin/python3.8"],
    },
    {
      name: "/usr/local/bin/python3.11 as a symlink to the packaged interpreter is the packaged one",
      image: () =>
        debianImage({ "/usr/local/bin/python3.11": { type: "symlink", target: "/usr/bin/python3.11" } }),
      want: [DEBIAN_PYTHON],
    },
    {
      name: "a python3.9 in /usr/bin that no dpkg list names (make install with prefix /usr)",
      image: () => debianImage({ "/usr/bin/python3.9": file() }),
      want: [DEBIAN_PYTHON, "python 3.9 unpackaged:binary /usr/bin/python3.9"],
    },
    {
      name: "a python3.9 in /usr/bin that a dpkg list names is that package's",
      image: () =>
        debianImage({
          "/usr/bin/python3.9": file(),
          "/var/lib/dpkg/info/python3.9-backport:amd64.list": file(
            "/.\n/usr\n/usr/bin\n/usr/bin/python3.9\n",
          ),
        }),
      want: [DEBIAN_PYTHON, "python 3.9 package:python3.9-backport /usr/bin/python3.9"],
    },
    {
      name: "an nvm install of Node.js 16 in the default user's home",
      image: () => debianImage({ "/home/admin/.nvm/versions/node/v16.20.2": dir }),
      want: [
        DEBIAN_PYTHON,
        "nodejs 16 unpackaged:version-manager/nvm /home/admin/.nvm/versions/node/v16.20.2",
      ],
    },
    {
      name: "pyenv in root's home (a PyPy build is not CPython's cycle) and rbenv in a home left behind",
      image: () =>
        debianImage({
          "/root/.pyenv/versions/3.8.18": dir,
          "/root/.pyenv/versions/pypy3.9-7.3.11": dir,
          "/home/builder/.rbenv/versions/2.7.8": dir,
        }),
      want: [
        DEBIAN_PYTHON,
        "python 3.8 unpackaged:version-manager/pyenv /root/.pyenv/versions/3.8.18",
        "ruby 2.7 unpackaged:version-manager/rbenv /home/builder/.rbenv/versions/2.7.8",
      ],
    },
    {
      name: "uv's managed Python, asdf's Node.js and a system-wide nvm",
      image: () =>
        debianImage({
          "/home/admin/.local/share/uv/python/cpython-3.9.18-linux-x86_64-gnu": dir,
          "/home/admin/.asdf/installs/nodejs/18.20.4": dir,
          "/usr/local/nvm/versions/node/v14.21.3": dir,
        }),
      want: [
        DEBIAN_PYTHON,
        "nodejs 14 unpackaged:version-manager/nvm /usr/local/nvm/versions/node/v14.21.3",
        "nodejs 18 unpackaged:version-manager/asdf /home/admin/.asdf/installs/nodejs/18.20.4",
        "python 3.9 unpackaged:version-manager/uv /home/admin/.local/share/uv/python/cpython-3.9.18-linux-x86_64-gnu",
      ],
    },
    {
      name: "a Node.js tarball unpacked in /opt, named by its node_version.h",
      image: () =>
        debianImage({
          "/opt/node-v16.20.2-linux-x64/include/node/node_version.h": file(
            "#define NODE_MAJOR_VERSION 16\n#define NODE_MINOR_VERSION 20\n#define NODE_PATCH_VERSION 2\n",
          ),
        }),
      want: [
        DEBIAN_PYTHON,
        "nodejs 16 unpackaged:node-header /opt/node-v16.20.2-linux-x64/include/node/node_version.h",
      ],
    },
    {
      name: "a venv with its own copy of the interpreter counts; a venv of symlinks does not",
      image: () =>
        debianImage({
          "/opt/app/venv/pyvenv.cfg": file(
            "home = /usr/bin\ninclude-system-site-packages = false\nversion = 3.11.2\n",
          ),
          "/opt/app/venv/bin/python3.11": file("\x7fELF"),
          "/srv/tool/.venv/pyvenv.cfg": file("home = /usr/bin\nversion_info = 3.11.2.final.0\n"),
          "/srv/tool/.venv/bin/python3.11": { type: "symlink", target: "/usr/bin/python3.11" },
        }),
      want: [DEBIAN_PYTHON, "python 3.11 unpackaged:venv /opt/app/venv/bin/python3.11"],
    },
    {
      name: "Ubuntu: a package whose Section names the universe component keeps it",
      image: () =>
        memoryImage({
          "/etc/os-release": "ID=ubuntu\nVERSION_ID=22.04\n",
          "/var/lib/dpkg/status":
            "Package: nodejs\nStatus: install ok installed\nSection: universe/web\nVersion: 12.22.9~dfsg-1ubuntu3\n\n" +
            "Package: nginx-core\nStatus: install ok installed\nSection: httpd\nVersion: 1.18.0-6ubuntu14\n\n",
        }),
      want: [
        "nginx 1.18 package:nginx-core dpkg package nginx-core",
        "nodejs 12 package:nodejs/universe dpkg package nodejs",
      ],
    },
    {
      name: "RHEL 8's Python package names (python39, platform-python) are recognised",
      image: () =>
        memoryImage({
          "/var/lib/dpkg/status":
            "Package: python39\nStatus: install ok installed\nVersion: 3.9.19-1.module+el8\n\n" +
            "Package: platform-python\nStatus: install ok installed\nVersion: 3.6.8-62.el8\n\n",
        }),
      want: [
        "python 3.6 package:platform-python dpkg package platform-python",
        "python 3.9 package:python39 dpkg package python39",
      ],
    },
  ];
  for (const c of cases) {
    it(c.name, async () => {
      assert.deepEqual(await runtimes(c.image()), [...c.want].sort());
    });
  }

  it("pyvenv.cfg: venv's version and virtualenv's or uv's version_info", () => {
    assert.deepEqual(venvCycle("home = /usr/bin\nversion = 3.8.10\n"), { cycle: "3.8", version: "3.8.10" });
    assert.deepEqual(venvCycle("version_info = 3.12.1.final.0\n"), { cycle: "3.12", version: "3.12.1" });
    assert.equal(venvCycle("home = /usr/bin\n"), undefined);
  });
});
