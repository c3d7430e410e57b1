import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { memoryImage } from "../../test/support/trees.js";
import { FsError } from "../io/errors.js";

describe("Image path resolution stays inside the image", () => {
  const image = memoryImage({
    "/etc/passwd": "root:x:0:0::/root:/bin/bash\n",
    "/etc/alt": { type: "symlink", target: "/etc/passwd" },
    "/etc/rel": { type: "symlink", target: "../etc/./passwd" },
    "/etc/escape": { type: "symlink", target: "../../../../etc/passwd" },
    "/loop/a": { type: "symlink", target: "b" },
    "/loop/b": { type: "symlink", target: "a" },
    "/self": { type: "symlink", target: "/self/x" },
    "/file/notdir": "x",
  });

  it("follows a link's target up to its first NUL, as the kernel does", async () => {
    const nul = memoryImage({
      "/opt/real": "PasswordAuthentication yes\n",
      "/etc/ssh/sshd_config": { type: "symlink", target: "/opt/real\u0000/etc/nowhere" },
    });
    assert.equal(await nul.resolve("/etc/ssh/sshd_config"), "/opt/real");
    assert.equal(await nul.readText("/etc/ssh/sshd_config"), "PasswordAuthentication yes\n");
  });

  it("follows absolute links to the image's own path, never the host's", async () => {
    assert.equal(await image.resolve("/etc/alt"), "/etc/passwd");
    assert.match(await image.readText("/etc/alt"), /^root:/);
  });

  it("resolves relative links and never climbs above the root", async () => {
    assert.equal(await image.resolve("/etc/rel"), "/etc/passwd");
    assert.equal(await image.resolve("/etc/escape"), "/etc/passwd");
    assert.equal(await image.resolve("/../../etc/passwd"), "/etc/passwd");
  });

  it("ends symlink loops with ELOOP", async () => {
    await assert.rejects(image.stat("/loop/a"), (e) => e instanceof FsError && e.code === "ELOOP");
    await assert.rejects(image.stat("/self"), (e) => e instanceof FsError && e.code === "ELOOP");
  });

  it("lstat does not follow the final link", async () => {
    assert.equal((await image.lstat("/etc/alt")).type, "symlink");
    assert.equal((await image.stat("/etc/alt")).type, "file");
  });

  it("reports ENOTDIR through a file and ENOENT for missing paths", async () => {
    await assert.rejects(image.stat("/file/notdir/x"), (e) => e instanceof FsError && e.code === "ENOTDIR");
    assert.equal(await image.readTextIfExists("/nope"), undefined);
  });

  it("bounds whole-file reads", async () => {
    await assert.rejects(image.readFile("/etc/passwd", 4), (e) => e instanceof FsError && e.code === "EFBIG");
  });

  it("walks every entry once, sorted, without following links", async () => {
    const paths: string[] = [];
    for await (const e of image.walk("/")) paths.push(e.path);
    assert.deepEqual(paths, [
      "/etc",
      "/file",
      "/loop",
      "/self",
      "/etc/alt",
      "/etc/escape",
      "/etc/passwd",
      "/etc/rel",
      "/file/notdir",
      "/loop/a",
      "/loop/b",
    ]);
  });

  it("walks the directories asked for first before their siblings, and nothing else differs", async () => {
    const tree = memoryImage({
      "/bin/sh": "x",
      "/home/u/.bashrc": "x",
      "/var/lib/dpkg/status": "x",
      "/var/log/syslog.2.gz": "x",
      "/var/log/nginx/access.log": "x",
    });
    const walked = async (first?: string[]) => {
      const paths: string[] = [];
      for await (const e of tree.walk("/", first ? { first } : {})) paths.push(e.path);
      return paths;
    };
    const plain = await walked();
    const ordered = await walked(["/var", "/var/log"]);
    assert.deepEqual(ordered, [
      "/bin",
      "/home",
      "/var",
      "/var/lib",
      "/var/log",
      "/var/log/nginx",
      "/var/log/syslog.2.gz",
      "/var/log/nginx/access.log",
      "/var/lib/dpkg",
      "/var/lib/dpkg/status",
      "/bin/sh",
      "/home/u",
      "/home/u/.bashrc",
    ]);
    assert.deepEqual([...ordered].sort(), [...plain].sort());
    assert.notDeepEqual(ordered, plain, "the plain walk keeps name order");
  });
});
