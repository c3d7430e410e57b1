import type { ScanVerdict } from "./types.js";

/** A scan's verdict from its status and its report's `passed` (`reported`: the report says). */
export function verdictOf(status: unknown, passed: boolean, reported: boolean): ScanVerdict {
  if (status === "failed") return "scan-failed";
  if (status !== "done" || !reported) return "unfinished";
  return passed ? "pass" : "fail";
}
