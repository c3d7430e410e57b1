import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { debianImage, memoryImage } from "../../test/support/trees.js";
import { accountsInspector, hashScheme, isNoLoginShell, passwordState } from "./accounts.js";
import { FactStore } from "./context.js";
import { inspectorsByName } from "./registry.js";
import { sudoersDirIncludes } from "./sudoers.js";

const accountsOf = (image: ReturnType<typeof memoryImage>) =>
  new FactStore(image, inspectorsByName).get("accounts");
const grantsOf = async (image: ReturnType<typeof memoryImage>) =>
  (await accountsOf(image)).sudo.map((g) => ({
    principal: g.principal,
    users: g.users,
    noPassword: g.noPassword,
    allCommands: g.allCommands,
    at: `${g.source.path}:${g.source.line}`,
  }));

const PASSWD = [
  "root:x:0:0:root:/root:/bin/bash",
  "daemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin",
  "alice:x:1000:1000::/home/alice:/bin/bash",
  "bob:x:1001:1001::/home/bob:/bin/zsh",
  "carol:x:1002:27::/home/carol:",
  "dave:x:1003:1003::/home/dave:/bin/bash",
  "",
].join("\n");
const GROUP = "root:x:0:\nsudo:x:27:alice\nwheel:x:10:bob\nalice:x:1000:\nbob:x:1001:\ndave:x:1003:\n";

describe("password fields", () => {
  it("names crypt(5) schemes and rejects what crypt can never match", () => {
    assert.equal(hashScheme("$6$salt$abcdefghijklmnop"), "sha512crypt");
    assert.equal(hashScheme("$y$j9T$salt$hash"), "yescrypt");
    assert.equal(hashScheme("$2b$12$abcdefghijklmnopqrstuv"), "bcrypt");
    assert.equal(hashScheme("$1$salt$hash"), "md5crypt");
    assert.equal(hashScheme("abJnggxhB/yWI"), "descrypt");
    for (const f of ["*", "x", "!!", "*LK*", "NP", "$6$"]) assert.equal(hashScheme(f), undefined, f);
  });

  it("classifies empty, locked (with or without a hash) and usable fields", () => {
    assert.deepEqual(passwordState(""), { kind: "empty" });
    assert.deepEqual(passwordState("!"), { kind: "locked", hasHash: false });
    assert.deepEqual(passwordState("!!"), { kind: "locked", hasHash: false });
    assert.deepEqual(passwordState("!*"), { kind: "locked", hasHash: false });
    assert.deepEqual(passwordState("*"), { kind: "locked", hasHash: false });
    assert.deepEqual(passwordState("!$6$salt$hashhash"), { kind: "locked", hasHash: true });
    assert.deepEqual(passwordState("$6$salt$hashhash"), { kind: "hash", scheme: "sha512crypt" });
  });

  it("knows no-login shells; an empty shell field is /bin/sh", () => {
    for (const s of [
      "/usr/sbin/nologin",
      "/sbin/nologin",
      "/bin/false",
      "/bin/sync",
      "/sbin/shutdown",
      "/dev/null",
    ])
      assert.ok(isNoLoginShell(s), s);
    for (const s of ["/bin/bash", "/bin/sh", "", "/usr/bin/zsh", "/usr/bin/fish"])
      assert.ok(!isNoLoginShell(s), s);
  });
});

describe("accounts inspector", () => {
  it("declares the files it reads", () => {
    for (const p of [
      "/etc/passwd",
      "/etc/shadow",
      "/etc/group",
      "/etc/gshadow",
      "/etc/sudoers",
      "/etc/sudoers.d/*",
    ])
      assert.ok(accountsInspector.paths.includes(p), p);
  });

  it("reads the real Debian rootfs: root and admin locked, sudo for root and %sudo", async () => {
    const facts = await accountsOf(debianImage());
    assert.equal(facts.users.length, 20);
    const root = facts.user("root")!;
    assert.deepEqual(root.password, { kind: "locked", hasHash: false });
    assert.deepEqual(root.passwordSource, { path: "/etc/shadow", line: 1 });
    assert.deepEqual(root.source, { path: "/etc/passwd", line: 1 });
    const admin = facts.user("admin")!;
    assert.deepEqual(
      [admin.uid, admin.home, admin.hasLoginShell, admin.shellListed],
      [1000, "/home/admin", true, true],
    );
    assert.deepEqual(admin.password, { kind: "locked", hasHash: false });
    assert.deepEqual(
      facts.users.filter((u) => u.hasLoginShell).map((u) => u.name),
      ["root", "admin"],
    );
    assert.deepEqual(facts.sudoersFiles, ["/etc/sudoers", "/etc/sudoers.d/README"]); // README: comments only
    assert.deepEqual(
      facts.sudo.map((g) => [g.principal, g.users, g.allCommands, g.noPassword, g.commands[0]]),
      [
        ["user:root", ["root"], true, false, { command: "ALL", runas: "ALL:ALL", noPassword: false }],
        ["group:sudo", [], true, false, { command: "ALL", runas: "ALL:ALL", noPassword: false }],
      ],
    );
    assert.deepEqual(facts.backupHashes, []);
  });

  it("takes the password from shadow only when passwd says x, with line numbers", async () => {
    const facts = await accountsOf(
      memoryImage({
        "/etc/passwd": `# comment\n+nisuser::0:0:::\n${PASSWD}eve::1004:1004::/home/eve:/bin/sh\nfrank:x:1005:1005::/home/f:/bin/sh\n`,
        "/etc/shadow":
          "root:$6$salt$0123456789:19000::::::\nalice:!$y$j9T$s$h:19000::::::\nbob::19000::::::\neve:$6$ignored$xxxxxx:1::::::\n",
        "/etc/group": GROUP,
      }),
    );
    const pw = Object.fromEntries(facts.users.map((u) => [u.name, [u.password, u.passwordSource?.line]]));
    assert.deepEqual(pw.root, [{ kind: "hash", scheme: "sha512crypt" }, 1]);
    assert.deepEqual(pw.alice, [{ kind: "locked", hasHash: true }, 2]);
    assert.deepEqual(pw.bob, [{ kind: "empty" }, 3]);
    assert.deepEqual(pw.eve, [{ kind: "empty" }, 9]); // passwd field "" wins over shadow
    assert.deepEqual(pw.frank, [{ kind: "unknown" }, undefined]);
    assert.equal(facts.user("root")!.source.line, 3);
    assert.equal(facts.user("nisuser"), undefined);
    assert.equal(facts.user("carol")!.shellListed, false); // no /etc/shells
  });

  it("expands groups through members, gshadow and primary gid", async () => {
    const facts = await accountsOf(
      memoryImage({
        "/etc/passwd": PASSWD,
        "/etc/group": GROUP,
        "/etc/gshadow": "sudo:!::dave\nwheel:$6$grp$pwhash::\n",
      }),
    );
    assert.deepEqual(facts.groupMembers("sudo"), ["alice", "carol", "dave"]);
    assert.deepEqual(facts.groups.find((g) => g.name === "wheel")?.password, {
      kind: "hash",
      scheme: "sha512crypt",
    });
    assert.deepEqual(facts.groups.find((g) => g.name === "sudo")?.password, {
      kind: "locked",
      hasHash: false,
    });
  });

  it("reports hashes left in backup files", async () => {
    const facts = await accountsOf(
      memoryImage({
        "/etc/passwd": PASSWD,
        "/etc/shadow-": "root:*:1::::::\nalice:$y$j9T$salt$hash:1::::::\n",
      }),
    );
    assert.deepEqual(facts.backupHashes, [
      { path: "/etc/shadow-", line: 2, account: "alice", scheme: "yescrypt" },
    ]);
  });
});

describe("sudoers", () => {
  it("skips sudoers.d names with a dot or a trailing tilde, as sudo does", () => {
    assert.deepEqual(
      ["90-cloud-init-users", "README", "admin~", "x.dpkg-old", "ok_1"].filter(sudoersDirIncludes),
      ["90-cloud-init-users", "README", "ok_1"],
    );
  });

  it("follows includes, expands aliases and groups, and tracks NOPASSWD per command", async () => {
    const image = memoryImage({
      "/etc/passwd": PASSWD,
      "/etc/group": GROUP,
      "/etc/sudoers": [
        "Defaults env_reset # trailing comment",
        "User_Alias ADMINS = bob, %sudo : OPS = dave",
        "Cmnd_Alias EVERYTHING = ALL",
        "root ALL=(ALL:ALL) ALL",
        "%wheel ALL=(ALL) NOPASSWD: ALL",
        "#includedir /etc/sudoers.d",
        "@include extra",
        "",
      ].join("\n"),
      "/etc/sudoers.d/10-ops":
        "OPS ALL = (root) /usr/bin/systemctl restart nginx, \\\n  NOPASSWD: /usr/bin/journalctl\n",
      "/etc/sudoers.d/20-admins": "ADMINS, #1002  ALL=(ALL) EVERYTHING\n",
      "/etc/sudoers.d/30-old.dpkg-old": "alice ALL=(ALL) NOPASSWD: ALL\n",
      "/etc/sudoers.d/40-backup~": "alice ALL=(ALL) NOPASSWD: ALL\n",
      "/etc/sudoers.d/50-nobody": "alice ALL=(nobody) ALL\n",
      "/etc/extra": "Defaults:dave !authenticate\n# alice ALL=(ALL) ALL\n",
    });
    const facts = await accountsOf(image);
    assert.deepEqual(facts.sudoersFiles, [
      "/etc/sudoers",
      "/etc/sudoers.d/10-ops",
      "/etc/sudoers.d/20-admins",
      "/etc/sudoers.d/50-nobody",
      "/etc/extra",
    ]);
    assert.deepEqual(await grantsOf(image), [
      { principal: "user:root", users: ["root"], noPassword: false, allCommands: true, at: "/etc/sudoers:4" },
      { principal: "group:wheel", users: ["bob"], noPassword: true, allCommands: true, at: "/etc/sudoers:5" },
      {
        principal: "alias:OPS",
        users: ["dave"],
        noPassword: true,
        allCommands: false,
        at: "/etc/sudoers.d/10-ops:1",
      },
      {
        principal: "alias:ADMINS",
        users: ["alice", "bob", "carol"],
        noPassword: false,
        allCommands: true,
        at: "/etc/sudoers.d/20-admins:1",
      },
      {
        principal: "uid:1002",
        users: ["carol"],
        noPassword: false,
        allCommands: true,
        at: "/etc/sudoers.d/20-admins:1",
      },
      {
        principal: "user:alice",
        users: ["alice"],
        noPassword: false,
        allCommands: false,
        at: "/etc/sudoers.d/50-nobody:1",
      },
    ]);
    const ops = facts.sudo.find((g) => g.principal === "alias:OPS")!;
    assert.deepEqual(ops.commands, [
      { command: "/usr/bin/systemctl restart nginx", runas: "root", noPassword: false },
      { command: "/usr/bin/journalctl", runas: "root", noPassword: true },
    ]);
  });

  it("applies Defaults !authenticate, survives include loops and reads cloud-init's file", async () => {
    const image = memoryImage({
      "/etc/passwd": PASSWD,
      "/etc/sudoers": "Defaults !authenticate\n@includedir /etc/sudoers.d\n@include /etc/sudoers\n",
      "/etc/sudoers.d/90-cloud-init-users":
        "# Created by cloud-init v. 22.4.2\n\n# User rules for alice\nalice ALL=(ALL) NOPASSWD:ALL\ndave ALL=(ALL) /bin/ls\n",
    });
    assert.deepEqual(await grantsOf(image), [
      {
        principal: "user:alice",
        users: ["alice"],
        noPassword: true,
        allCommands: true,
        at: "/etc/sudoers.d/90-cloud-init-users:4",
      },
      {
        principal: "user:dave",
        users: ["dave"],
        noPassword: true,
        allCommands: false,
        at: "/etc/sudoers.d/90-cloud-init-users:5",
      },
    ]);
  });
});
