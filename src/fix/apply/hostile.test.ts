import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import {
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  symlinkSync,
  unlinkSync,
  writeFileSync,
} from "node:fs";
import os from "node:os";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import { DirectoryTree } from "../../fs/directory.js";
import { Image } from "../../fs/image.js";
import { imageSession } from "../../scan/session.js";
import { Journal, JournalError } from "../journal.js";
import { DEFAULT_FIX_OPTIONS, type PlannedChange, sha256 } from "../operation.js";
import { type Plan, planFix, selectOperations } from "../planner.js";
import { digestTree, removeTree } from "../testing.js";
import { type ApplyOutcome, DirectoryApplier } from "./directory.js";

/** A fresh scan session's facts for one image at "/": what the fix planner plans from. */
const factsOf = (image: Image) => imageSession(image).roots[0]!.facts;

const HASH =
  "$6$amigatesalt$0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ./0123456789abcdefghijklmnopqr";

function put(root: string, rel: string, content: string, mode = 0o644): void {
  mkdirSync(path.dirname(path.join(root, rel)), { recursive: true });
  writeFileSync(path.join(root, rel), content, { mode });
}

/** chattr +i works on ext4/xfs/tmpfs (recent kernels); not everywhere. */
function tryImmutable(file: string): boolean {
  try {
    execFileSync("chattr", ["+i", file], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
}

async function planAndApply(root: string, ops = selectOperations({ only: ["histories", "lock-passwords"] })) {
  const image = new Image(new DirectoryTree(root));
  let plan: Plan;
  try {
    plan = await planFix(factsOf(image), DEFAULT_FIX_OPTIONS, ops);
  } finally {
    await image.close();
  }
  const applier = new DirectoryApplier(root, { crossMounts: false, journal: new Journal(undefined) });
  try {
    return { plan, outcomes: applier.applyAll(plan.changes) };
  } finally {
    applier.close();
  }
}

describe("fix on hostile trees never changes anything outside the root", () => {
  let base: string;
  let root: string;
  let decoy: string;
  let decoyDigests: Map<string, string>;
  let immutable = false;
  let plan: Plan;
  let outcomes: ApplyOutcome[];

  before(async () => {
    base = mkdtempSync(path.join(os.tmpdir(), "amigate-hostile-"));
    root = path.join(base, "root");
    decoy = path.join(base, "decoy");
    put(decoy, "secret.txt", "host file: must never change\n");
    put(decoy, ".bash_history", "host history: must never change\n");
    put(
      root,
      "etc/passwd",
      [
        "root:x:0:0:root:/root:/bin/bash",
        "evil:x:1001:1001::/home/evil:/bin/bash",
        "fifo:x:1002:1002::/home/fifo:/bin/bash",
        "imm:x:1003:1003::/home/imm:/bin/bash",
        "hop:x:1004:1004::/home/hop:/bin/bash",
        "",
      ].join("\n"),
    );
    put(root, "etc/shadow", `root:!:20000::::::\nevil:${HASH}:20000::::::\n`, 0o640);
    mkdirSync(path.join(root, "root"), { recursive: true });
    // A history that is a symlink to a host file, by absolute host path.
    symlinkSync(path.join(decoy, "secret.txt"), path.join(root, "root/.bash_history"));
    // A home that is a symlink to "/" (inside the image that is the image's root).
    mkdirSync(path.join(root, "home"), { recursive: true });
    symlinkSync("/", path.join(root, "home/evil"));
    put(root, ".bash_history", "history at the image root\n");
    // A home that is a symlink to a host directory by absolute path.
    symlinkSync(decoy, path.join(root, "home/hop"));
    // A FIFO named .bash_history.
    mkdirSync(path.join(root, "home/fifo"), { recursive: true });
    execFileSync("mkfifo", [path.join(root, "home/fifo/.bash_history")]);
    // An immutable history.
    put(root, "home/imm/.bash_history", "rm -rf /\n");
    immutable = tryImmutable(path.join(root, "home/imm/.bash_history"));
    decoyDigests = digestTree(decoy);
    ({ plan, outcomes } = await planAndApply(root));
  });
  after(() => removeTree(base));

  it("the decoy host directory is byte-identical", () => {
    assert.deepEqual(digestTree(decoy), decoyDigests);
    assert.equal(readFileSync(path.join(decoy, "secret.txt"), "utf8"), "host file: must never change\n");
  });

  it("a history symlinked to a host file: the link is removed and reported, its target untouched", () => {
    assert.ok(plan.notices.some((n) => n.path === "/root/.bash_history" && /symlink/.test(n.message)));
    assert.throws(() => lstatSync(path.join(root, "root/.bash_history")), /ENOENT/);
  });

  it("a home that is a symlink to / is reported and read inside the image", () => {
    assert.ok(plan.notices.some((n) => n.path === "/home/evil" && /symlink to \//.test(n.message)));
    assert.equal(readFileSync(path.join(root, ".bash_history"), "utf8"), "");
  });

  it("a home symlinked to a host directory resolves inside the image (nothing there to change)", () => {
    assert.ok(!plan.changes.some((c) => c.path.startsWith(decoy)));
    assert.ok(plan.notices.some((n) => n.path === "/home/hop"));
  });

  it("a FIFO named .bash_history is reported and never opened", () => {
    assert.ok(plan.notices.some((n) => n.path === "/home/fifo/.bash_history" && /fifo/.test(n.message)));
    assert.ok(lstatSync(path.join(root, "home/fifo/.bash_history")).isFIFO());
  });

  it("an immutable file is reported (EPERM), not retried or worked around", (t) => {
    if (!immutable) return t.skip("chattr +i is not supported on this filesystem");
    const o = outcomes.find((x) => x.change.path === "/home/imm/.bash_history");
    assert.equal(o?.status, "failed");
    assert.match(o?.detail ?? "", /EPERM.*immutable/);
    assert.equal(readFileSync(path.join(root, "home/imm/.bash_history"), "utf8"), "rm -rf /\n");
  });

  it("the executor refuses a path through a symlinked directory, even when handed one", () => {
    const change: PlannedChange = {
      action: "truncate",
      path: "/home/hop/secret.txt",
      reason: "test",
      operation: "test",
      before: sha256("host file: must never change\n"),
    };
    const applier = new DirectoryApplier(root, { crossMounts: false, journal: new Journal(undefined) });
    try {
      const o = applier.apply(change);
      assert.equal(o.status, "refused");
      assert.match(o.detail ?? "", /\/home\/hop is a symlink/);
      assert.equal(applier.apply({ ...change, path: "/proc/self/environ" }).status, "refused");
    } finally {
      applier.close();
    }
    assert.deepEqual(digestTree(decoy), decoyDigests);
  });

  it("a file swapped for a symlink after planning is not written through", async () => {
    put(root, "etc/motd", "hello\n");
    const change: PlannedChange = {
      action: "replace",
      path: "/etc/motd",
      reason: "test",
      operation: "test",
      before: sha256("hello\n"),
      content: Buffer.from("bye\n"),
    };
    unlinkSync(path.join(root, "etc/motd"));
    symlinkSync(path.join(decoy, "secret.txt"), path.join(root, "etc/motd"));
    const applier = new DirectoryApplier(root, { crossMounts: false, journal: new Journal(undefined) });
    try {
      const o = applier.apply(change);
      assert.equal(o.status, "refused");
      assert.match(o.detail ?? "", /symlink; never written through/);
      // A truncation planned on content that changed since is refused too.
      put(root, "etc/issue", "changed\n");
      const stale = applier.apply({
        action: "truncate",
        path: "/etc/issue",
        reason: "t",
        operation: "t",
        before: sha256("old\n"),
      });
      assert.equal(stale.status, "refused");
      assert.equal(readFileSync(path.join(root, "etc/issue"), "utf8"), "changed\n");
    } finally {
      applier.close();
    }
    assert.deepEqual(digestTree(decoy), decoyDigests);
  });

  it("another filesystem mounted below the root is refused without --cross-mounts", (t) => {
    const mnt = path.join(root, "mnt/other");
    mkdirSync(mnt, { recursive: true });
    try {
      execFileSync("mount", ["-t", "tmpfs", "tmpfs", mnt], { stdio: "ignore" });
    } catch {
      return t.skip("cannot mount a tmpfs here");
    }
    try {
      writeFileSync(path.join(mnt, "x.log"), "log\n");
      const change: PlannedChange = {
        action: "truncate",
        path: "/mnt/other/x.log",
        reason: "t",
        operation: "t",
        before: sha256("log\n"),
      };
      const strict = new DirectoryApplier(root, { crossMounts: false, journal: new Journal(undefined) });
      assert.match(strict.apply(change).detail ?? "", /another mounted filesystem/);
      strict.close();
      const crossing = new DirectoryApplier(root, { crossMounts: true, journal: new Journal(undefined) });
      assert.equal(crossing.apply(change).status, "applied");
      crossing.close();
    } finally {
      execFileSync("umount", [mnt]);
    }
  });

  it("a journal inside the image root is refused", () => {
    assert.throws(() => new Journal(path.join(root, "var/log/j.jsonl"), root), JournalError);
    assert.throws(() => new Journal(path.join(root, "root/nonexistent/j.jsonl"), root), JournalError);
    assert.doesNotThrow(() => new Journal(path.join(base, "j.jsonl"), root));
  });

  it("--keep-password leaves the named account's hash; others are locked", async () => {
    put(root, "etc/shadow", `root:!:20000::::::\nevil:${HASH}:20000::::::\n`, 0o640);
    const image = new Image(new DirectoryTree(root));
    try {
      const ops = selectOperations({ only: ["lock-passwords"] });
      const kept = await planFix(factsOf(image), { ...DEFAULT_FIX_OPTIONS, keepPassword: ["evil"] }, ops);
      assert.deepEqual(kept.changes, []);
      const locked = await planFix(factsOf(image), DEFAULT_FIX_OPTIONS, ops);
      const edit = locked.changes[0];
      assert.ok(edit?.action === "replace");
      assert.match(edit.content.toString(), /^evil:!\$6\$/m);
      assert.doesNotMatch(JSON.stringify(edit.edits), /0123456789abcdef/, "plan output shows no hash");
    } finally {
      await image.close();
    }
  });
});

describe("the executor keeps ownership and mode of edited files", () => {
  it("setuid bit and group survive an atomic replace", () => {
    const root = mkdtempSync(path.join(os.tmpdir(), "amigate-mode-"));
    try {
      put(root, "usr/bin/tool", "#!/bin/sh\n", 0o4750);
      execFileSync("chown", ["1234:5678", path.join(root, "usr/bin/tool")]);
      execFileSync("chmod", ["4750", path.join(root, "usr/bin/tool")]);
      const applier = new DirectoryApplier(root, { crossMounts: false, journal: new Journal(undefined) });
      const o = applier.apply({
        action: "replace",
        path: "/usr/bin/tool",
        reason: "t",
        operation: "t",
        before: sha256("#!/bin/sh\n"),
        content: Buffer.from("#!/bin/sh\nexit 0\n"),
      });
      applier.close();
      assert.equal(o.status, "applied", o.detail);
      const st = lstatSync(path.join(root, "usr/bin/tool"));
      assert.equal(st.mode & 0o7777, 0o4750);
      assert.equal(st.uid, 1234);
      assert.equal(st.gid, 5678);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});

describe("a refusal means nothing was written", () => {
  it("an edit whose extended attributes cannot be read (no getfattr) is refused and leaves the file as it was", async () => {
    const base = mkdtempSync(path.join(os.tmpdir(), "amigate-refusal-"));
    const root = path.join(base, "root");
    put(root, "etc/passwd", "root:x:0:0:root:/root:/bin/bash\nevil:x:1001:1001::/home/evil:/bin/bash\n");
    const shadow = `root:!:20000::::::\nevil:${HASH}:20000::::::\n`;
    put(root, "etc/shadow", shadow, 0o640);
    // A PATH where getfattr does not exist: what a machine without the attr package sees.
    const savedPath = process.env.PATH;
    process.env.PATH = path.join(base, "empty-bin");
    let outcomes: ApplyOutcome[];
    try {
      ({ outcomes } = await planAndApply(root, selectOperations({ only: ["lock-passwords"] })));
    } finally {
      process.env.PATH = savedPath;
    }
    try {
      const edit = outcomes.find((o) => o.change.path === "/etc/shadow");
      assert.equal(edit?.status, "refused", JSON.stringify(outcomes));
      assert.match(edit?.detail ?? "", /^not replaced: getfattr not installed/);
      assert.equal(readFileSync(path.join(root, "etc/shadow"), "utf8"), shadow, "the file is unchanged");
      assert.deepEqual(
        execFileSync("ls", ["-A", path.join(root, "etc")], { encoding: "utf8" })
          .trim()
          .split("\n"),
        ["passwd", "shadow"],
        "no temporary file left behind",
      );
    } finally {
      removeTree(base);
    }
  });
});
