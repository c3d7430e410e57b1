import { execFileSync } from "node:child_process";
import path from "node:path";
import { REPO_ROOT } from "./trees.js";

let built: string | undefined;

/** Builds (once, cached) the Windows image fixtures of fixtures/windows-images.sh; returns their folder. */
export function windowsImageFixtures(): string {
  built ??= execFileSync("bash", [path.join(REPO_ROOT, "fixtures/windows-images.sh")], {
    encoding: "utf8",
    stdio: ["ignore", "pipe", "inherit"],
    cwd: REPO_ROOT,
  }).trim();
  return built;
}

/** Every container and layout the passing and failing images come in, with where NTFS sits. */
export const WINDOWS_CONTAINERS = [
  { file: "mbr.raw", root: "partition 1 (ntfs)" },
  { file: "gpt.raw", root: "partition 2 (ntfs)" },
  { file: "windows.vhd", root: "partition 2 (ntfs)" },
  { file: "windows.vhdx", root: "partition 2 (ntfs)" },
  { file: "windows.vmdk", root: "partition 1 (ntfs)" },
] as const;
