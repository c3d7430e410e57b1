import { readFileSync, readlinkSync } from "node:fs";
import { setPriority } from "node:os";

/**
 * Gives the calling thread a lower scheduling priority than the process's other threads: `nice`
 * is added to the process's. Linux keeps a nice value per thread, and setpriority(2) given a
 * thread's id (from /proc/thread-self: "PID/task/TID") sets only that thread's. Returns whether it
 * took; elsewhere (no /proc, another OS) the thread keeps its priority and nothing fails.
 */
export function lowerThreadPriority(nice: number): boolean {
  try {
    const tid = Number(readlinkSync("/proc/thread-self").split("/").pop());
    if (!Number.isSafeInteger(tid) || tid <= 0) return false;
    const current = threadNice("self");
    if (current === undefined) return false;
    setPriority(tid, Math.min(19, current + nice));
    return true;
  } catch {
    return false;
  }
}

/** A thread's nice value, from /proc/self/task/TID/stat (field 19), when it can be read. */
export function threadNice(tid: number | "self"): number | undefined {
  try {
    const path = tid === "self" ? "/proc/thread-self/stat" : `/proc/self/task/${tid}/stat`;
    const stat = readFileSync(path, "latin1");
    // The command name (field 2) may hold spaces and parentheses: fields count from its last ")".
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    const nice = Number(fields[16]);
    return Number.isInteger(nice) ? nice : undefined;
  } catch {
    return undefined;
  }
}
