import { execFileSync } from "node:child_process";
import path from "node:path";
import { REPO_ROOT } from "./trees.js";

let folder: string | undefined;

/** The folder of images built by fixtures/vfat-images.sh (built on first use, then cached). */
export function vfatImagesPath(): string {
  if (folder) return folder;
  const out = execFileSync("bash", [path.join(REPO_ROOT, "fixtures/vfat-images.sh")], {
    encoding: "utf8",
    stdio: ["ignore", "pipe", "inherit"],
  });
  folder = out.trim().split("\n").pop()!;
  return folder;
}
