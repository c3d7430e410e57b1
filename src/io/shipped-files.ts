import { existsSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

let root: string | undefined;

/**
 * A file shipped with the package (package.json, data/…), found from the running module upward:
 * the same code runs from src/ (tsx), from the dist/ bundle, and from an installed package, each
 * at a different depth below the package root.
 */
export function shippedFile(relative: string): string {
  if (root === undefined) {
    let dir = path.dirname(fileURLToPath(import.meta.url));
    while (!existsSync(path.join(dir, "package.json")) && path.dirname(dir) !== dir) dir = path.dirname(dir);
    root = dir;
  }
  return path.join(root, relative);
}
