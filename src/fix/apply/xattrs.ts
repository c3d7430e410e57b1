import { execFileSync } from "node:child_process";

/**
 * Extended attributes (user.*, security.* incl. security.selinux, system.posix_acl_*) through
 * getfattr/setfattr (attr package): Node has no xattr API and no library is installed. -h: never
 * follow a symlink.
 */
export function readXattrs(path: string): Array<[string, string]> | { error: string } {
  let out: string;
  try {
    out = execFileSync("getfattr", ["-h", "-d", "-m", "-", "-e", "hex", "--absolute-names", path], {
      encoding: "utf8",
      stdio: ["ignore", "pipe", "pipe"],
    });
  } catch (e) {
    const err = e as NodeJS.ErrnoException & { stderr?: string };
    if (err.code === "ENOENT")
      return {
        error:
          "getfattr not installed (apt-get install attr): its extended attributes could not be carried over",
      };
    return { error: `getfattr failed: ${String(err.stderr ?? err.message).trim()}` };
  }
  const attrs: Array<[string, string]> = [];
  for (const line of out.split("\n")) {
    const m = /^([^=#][^=]*)=(0x[0-9a-f]*)$/.exec(line.trim());
    if (m) attrs.push([m[1]!, m[2]!]);
  }
  return attrs;
}

export function writeXattrs(path: string, attrs: ReadonlyArray<[string, string]>): string[] {
  const failed: string[] = [];
  for (const [name, value] of attrs) {
    try {
      execFileSync("setfattr", ["-h", "-n", name, "-v", value, path], {
        stdio: ["ignore", "ignore", "pipe"],
      });
    } catch {
      failed.push(name);
    }
  }
  return failed;
}
