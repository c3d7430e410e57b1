import { readFileSync } from "node:fs";
import path from "node:path";
import { debianRootfsPath } from "./trees.js";

/** A text file of the real Debian rootfs, for tests that mutate it ("/etc/shadow"). */
export function debianText(imagePath: string): string {
  return readFileSync(path.join(debianRootfsPath(), imagePath), "utf8");
}

/** The file with one account's line changed: `withField(shadow, "admin", 1, "$6$…")`. */
export function withField(text: string, account: string, field: number, value: string): string {
  return text
    .split("\n")
    .map((line) => {
      const parts = line.split(":");
      if (parts[0] !== account) return line;
      parts[field] = value;
      return parts.join(":");
    })
    .join("\n");
}
