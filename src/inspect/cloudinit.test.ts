import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { debianImage, memoryImage } from "../../test/support/trees.js";
import type { Image } from "../fs/image.js";
import type { CloudInitFacts } from "./cloudinit.js";
import { DEFAULT_INSPECT_OPTIONS, FactStore } from "./context.js";
import { inspectorsByName } from "./registry.js";

async function cloudInit(image: Image): Promise<{ facts: CloudInitFacts; unknowns: string[] }> {
  const store = new FactStore(image, inspectorsByName, DEFAULT_INSPECT_OPTIONS);
  const facts = await store.get("cloudInit");
  return { facts, unknowns: store.unknowns.map((u) => `${u.path}: ${u.error}`) };
}

describe("cloud-init configuration", () => {
  it("reads the real Debian cloud.cfg: default user locked, ssh_pwauth unchanged, enabled", async () => {
    const { facts, unknowns } = await cloudInit(debianImage());
    assert.deepEqual(unknowns, []);
    assert.equal(facts.installed, true);
    assert.equal(facts.enabled, true);
    assert.deepEqual(facts.files, ["/etc/cloud/cloud.cfg", "/etc/cloud/cloud.cfg.d/05_logging.cfg"]);
    assert.equal(facts.sshPwauth.value, "unchanged");
    assert.deepEqual(facts.disableRoot, { value: true, path: "/etc/cloud/cloud.cfg", line: 12 });
    assert.deepEqual(
      facts.users.map((u) => [u.name, u.isDefault, u.lockPasswd, u.path]),
      [["debian", true, true, "/etc/cloud/cloud.cfg"]],
    );
    assert.deepEqual(facts.passwords, []);
  });

  it("merges cloud.cfg.d in lexical order: later files win, maps merge key by key", async () => {
    const { facts } = await cloudInit(
      memoryImage({
        "/etc/cloud/cloud.cfg": "ssh_pwauth: false\nchpasswd:\n  expire: false\nruncmd: [a]\n",
        "/etc/cloud/cloud.cfg.d/90-z.cfg": "ssh_pwauth: yes\n",
        "/etc/cloud/cloud.cfg.d/10-a.cfg":
          "ssh_pwauth: no\nchpasswd:\n  list: |\n    root:secret\n    bob:R\n",
        "/etc/cloud/cloud.cfg.d/.hidden.cfg": "ssh_pwauth: 'unchanged'\n",
        "/etc/cloud/cloud.cfg.d/README": "ssh_pwauth: false\n",
      }),
    );
    assert.deepEqual(facts.files, [
      "/etc/cloud/cloud.cfg",
      "/etc/cloud/cloud.cfg.d/10-a.cfg",
      "/etc/cloud/cloud.cfg.d/90-z.cfg",
    ]);
    assert.deepEqual(facts.sshPwauth, { value: true, path: "/etc/cloud/cloud.cfg.d/90-z.cfg", line: 1 });
    assert.deepEqual(facts.chpasswdExpire, { value: false, path: "/etc/cloud/cloud.cfg", line: 3 });
    assert.deepEqual(
      facts.passwords.map((p) => `${p.user}:${p.password}@${p.path}:${p.line}`),
      ["root:secret@/etc/cloud/cloud.cfg.d/10-a.cfg:3", "bob:R@/etc/cloud/cloud.cfg.d/10-a.cfg:3"],
    );
    assert.deepEqual(facts.get("chpasswd")?.value, { expire: false, list: "root:secret\nbob:R\n" });
    assert.deepEqual(facts.get("runcmd"), { value: ["a"], path: "/etc/cloud/cloud.cfg", line: 4 });
    // No `users` key: the default user, which has no system_info here.
    assert.deepEqual(facts.users, []);
  });

  it("reads users with passwords, lock_passwd, keys and the top-level password", async () => {
    const { facts } = await cloudInit(
      memoryImage({
        "/usr/bin/cloud-init": "#!/usr/bin/python3\n",
        "/etc/cloud/cloud.cfg":
          "system_info:\n  default_user:\n    name: admin\n    lock_passwd: false\nusers:\n  - default\n  - name: ops\n    lock_passwd: no\n    plain_text_passwd: hunter2\n    ssh_authorized_keys: [ssh-ed25519 AAAA x]\n  - guest\npassword: changeme\nchpasswd:\n  users:\n    - {name: ops, password: $6$x, type: hash}\n",
        "/etc/cloud/cloud-init.disabled": "",
      }),
    );
    assert.equal(facts.installed, true);
    assert.equal(facts.enabled, false);
    assert.equal(facts.disabledBy, "/etc/cloud/cloud-init.disabled exists");
    assert.deepEqual(
      facts.users.map((u) => [u.name, u.lockPasswd, u.plainTextPasswd, u.sshAuthorizedKeys.length, u.line]),
      [
        ["admin", false, undefined, 0, 2],
        ["ops", false, "hunter2", 1, 7],
        ["guest", true, undefined, 0, 11],
      ],
    );
    assert.deepEqual(
      facts.passwords.map((p) => `${p.user}:${p.password}:${p.line}`),
      ["ops:$6$x:15", "admin:changeme:12"],
    );
  });

  it("reports a YAML error as an unknown naming the file and goes on", async () => {
    const { facts, unknowns } = await cloudInit(
      memoryImage({
        "/etc/cloud/cloud.cfg": "ssh_pwauth: true\n",
        "/etc/cloud/cloud.cfg.d/50-bad.cfg": "users: [\n",
      }),
    );
    assert.equal(unknowns.length, 1);
    assert.match(unknowns[0]!, /^\/etc\/cloud\/cloud\.cfg\.d\/50-bad\.cfg: YAML \(line 2\): /);
    assert.equal(facts.sshPwauth.value, true);
    assert.deepEqual(facts.files, ["/etc/cloud/cloud.cfg"]);
  });

  it("is absent without cloud-init", async () => {
    const { facts } = await cloudInit(memoryImage({ "/etc/hostname": "x\n" }));
    assert.equal(facts.installed, false);
    assert.equal(facts.enabled, false);
  });
});
