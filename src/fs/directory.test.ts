import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { chmodSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { FsError } from "../io/errors.js";
import { DirectoryTree } from "./directory.js";
import { Image } from "./image.js";

/** Hostile trees end in a value or a typed error, never a hang: each call gets a deadline. */
function settles<T>(p: Promise<T>, ms = 5000): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`did not settle within ${ms} ms`)), ms);
  });
  return Promise.race([p, deadline]).finally(() => clearTimeout(timer));
}
const isFsError = (code: string) => (e: unknown) => e instanceof FsError && e.code === code;

let tmp: string;
let root: string;
let decoy: string;
let image: Image;
let tree: DirectoryTree;

before(() => {
  tmp = mkdtempSync(path.join(os.tmpdir(), "amigate-hostile-"));
  chmodSync(tmp, 0o755);
  root = path.join(tmp, "root");
  decoy = path.join(tmp, "decoy");
  mkdirSync(path.join(root, "etc"), { recursive: true });
  mkdirSync(decoy);
  writeFileSync(path.join(decoy, "secret"), "HOST SECRET\n");
  writeFileSync(path.join(root, "etc/passwd"), "root:x:0:0::/root:/bin/bash\n");
  // The image's own copy of the decoy path, so resolving inside the image has something to find.
  mkdirSync(path.join(root, decoy), { recursive: true });
  writeFileSync(path.join(root, decoy, "secret"), "image file\n");
  symlinkSync(path.join(decoy, "secret"), path.join(root, "etc/shadow"));
  symlinkSync(decoy, path.join(root, "etc/decoydir"));
  symlinkSync("b", path.join(root, "etc/a"));
  symlinkSync("a", path.join(root, "etc/b"));
  symlinkSync(".", path.join(root, "etc/self"));
  symlinkSync("/", path.join(root, "home"));
  execFileSync("mkfifo", [path.join(root, "etc/fifo")]);
  writeFileSync(Buffer.from(`${root}/etc/caf\xe9`, "latin1"), "latin-1 name\n");
  writeFileSync(path.join(root, "etc/locked"), "unreadable\n", { mode: 0o000 });
  tree = new DirectoryTree(root);
  image = new Image(tree);
});
after(() => rmSync(tmp, { recursive: true, force: true }));

describe("DirectoryTree on hostile trees", () => {
  it("an absolute symlink to a host path resolves to the image's own path", async () => {
    assert.equal(await settles(image.resolve("/etc/shadow")), path.join(decoy, "secret"));
    assert.equal(await settles(image.readText("/etc/shadow")), "image file\n");
    assert.equal(await settles(image.readText("/etc/decoydir/secret")), "image file\n");
  });

  it("never follows a host symlink in the middle of a path, even when asked directly", async () => {
    await assert.rejects(
      settles(tree.readFile("/etc/decoydir/secret", { maxBytes: 100 })),
      isFsError("ENOTDIR"),
    );
    await assert.rejects(settles(tree.readFile("/etc/shadow", { maxBytes: 100 })), isFsError("ELOOP"));
    await assert.rejects(settles(tree.lstat("/home/etc/passwd")), isFsError("ENOTDIR"));
  });

  it("symlink loops end in ELOOP", async () => {
    await assert.rejects(settles(image.stat("/etc/a")), isFsError("ELOOP"));
    await assert.rejects(settles(image.stat(`/etc${"/self".repeat(50)}/passwd`)), isFsError("ELOOP"));
    assert.equal(
      await settles(image.readText(`/etc${"/self".repeat(10)}/passwd`)),
      "root:x:0:0::/root:/bin/bash\n",
    );
  });

  it("a directory link home → / stays inside the image and the walk ends", async () => {
    assert.equal(await settles(image.resolve("/home/home/home/etc/passwd")), "/etc/passwd");
    const names = (await settles(image.readdir("/home"))).map((e) => e.name).sort();
    assert.deepEqual(names, ["etc", "home", "tmp"]);
    const walked = await settles(
      (async () => {
        const paths: string[] = [];
        for await (const e of image.walk("/", { onError: () => {} })) paths.push(e.path);
        return paths;
      })(),
    );
    assert.ok(walked.includes("/home") && walked.includes("/etc/passwd"));
    assert.ok(!walked.some((p) => p.startsWith("/home/")), "the walk does not descend into a symlink");
  });

  it("a FIFO never blocks a read", async () => {
    await assert.rejects(settles(image.readFile("/etc/fifo")), isFsError("EINVAL"));
    await assert.rejects(settles(tree.readFile("/etc/fifo", { maxBytes: 100 })), isFsError("EINVAL"));
    assert.equal((await settles(tree.lstat("/etc/fifo"))).type, "fifo");
  });

  it("a non-UTF-8 name is listed and ends in a typed error, not a crash", async () => {
    const odd = (await settles(tree.readdir("/etc"))).find((e) => e.name.startsWith("caf"));
    assert.ok(odd, "listed");
    assert.notEqual(odd.name, "café");
    await assert.rejects(settles(tree.lstat(`/etc/${odd.name}`)), isFsError("ENOENT"));
    const errors: string[] = [];
    for await (const _ of image.walk("/etc", { onError: (p) => errors.push(p) }));
    assert.deepEqual(errors, [`/etc/${odd.name}`]);
  });

  it("an unreadable file gives EACCES to a reader without root's override", (t) => {
    if (process.getuid?.() !== 0) return t.skip("needs root to run the reader as nobody");
    // Root reads mode-000 files (CAP_DAC_OVERRIDE), so the read runs in a child as nobody.
    const here = path.dirname(fileURLToPath(import.meta.url));
    const script = path.join(tmp, "read-locked.mts");
    writeFileSync(
      script,
      `import { DirectoryTree } from ${JSON.stringify(path.join(here, "directory.ts"))};
       try { await new DirectoryTree(${JSON.stringify(root)}).readFile("/etc/locked", { maxBytes: 100 }); console.log("read"); }
       catch (e) { console.log(e.name + " " + e.code); }`,
    );
    const out = execFileSync(process.execPath, ["--import", "tsx", script], {
      uid: 65534,
      gid: 65534,
      encoding: "utf8",
      timeout: 30_000,
      env: { ...process.env, HOME: tmp },
    });
    assert.equal(out.trim(), "FsError EACCES");
  });
});
