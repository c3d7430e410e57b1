import {
  distributionCovers,
  type EolStatus,
  eolStatus,
  loadEolDataset,
  osEolStatus,
} from "../vuln/eol/index.js";
import type { Inspector } from "./context.js";
import type { DetectedRuntime } from "./packages/index.js";

/**
 * A runtime judged by its upstream's end of life, and why upstream's dates apply to it rather than
 * the distribution's support: it was installed outside the package manager; it is a package from a
 * part of the archive the distribution does not support for free (Ubuntu's universe); or it is a
 * package on an OS whose support dates are unknown.
 */
export interface RuntimeEolStatus extends EolStatus {
  runtime: DetectedRuntime;
  judgedBy: "unpackaged" | "uncovered-component" | "unknown-os";
}

/** A runtime from the distribution's packages: patched while the release is, so the OS's end is its end. */
export interface RuntimeFollowingOs {
  runtime: DetectedRuntime;
  /** "Python 3.11", as the end-of-life dataset names the product. */
  name: string;
}

export interface EolFacts {
  os?: EolStatus;
  runtimes: RuntimeEolStatus[];
  followingOs: RuntimeFollowingOs[];
  asOf: string;
}

export const eolInspector: Inspector<"eol"> = {
  name: "eol",
  description:
    "end-of-life state of the OS and of the runtimes installed outside its support (packaged runtimes follow the OS) on the scan date",
  paths: [],
  async inspect(ctx) {
    const now = ctx.options.now ?? new Date();
    const os = await ctx.get("os");
    const packages = await ctx.get("packages");
    const osStatus = osEolStatus(os, now);
    const runtimes: RuntimeEolStatus[] = [];
    const followingOs: RuntimeFollowingOs[] = [];
    const titles = loadEolDataset().products;
    for (const r of packages.runtimes) {
      const install = r.installedBy;
      let judgedBy: RuntimeEolStatus["judgedBy"] = "unpackaged";
      if (install.kind === "package") {
        if (!osStatus) judgedBy = "unknown-os";
        else if (!distributionCovers(osStatus.product, install.component)) judgedBy = "uncovered-component";
        else {
          followingOs.push({ runtime: r, name: `${titles[r.product]?.title ?? r.product} ${r.cycle}` });
          continue;
        }
      }
      const s = eolStatus(r.product, r.cycle, now);
      if (s) runtimes.push({ ...s, runtime: r, judgedBy });
    }
    return {
      ...(osStatus ? { os: osStatus } : {}),
      runtimes,
      followingOs,
      asOf: now.toISOString().slice(0, 10),
    };
  },
};
