import { type EolStatus, eolStatus, osEolStatus } from "../vuln/eol/index.js";
import type { Inspector } from "./context.js";

export interface EolFacts {
  os?: EolStatus;
  runtimes: EolStatus[];
  asOf: string;
}

export const eolInspector: Inspector<"eol"> = {
  name: "eol",
  description: "end-of-life state of the OS and detected runtimes on the scan date",
  paths: [],
  async inspect(ctx) {
    const now = ctx.options.now ?? new Date();
    const os = await ctx.get("os");
    const packages = await ctx.get("packages");
    const osStatus = osEolStatus(os, now);
    const runtimes: EolStatus[] = [];
    for (const r of packages.runtimes) {
      const s = eolStatus(r.product, r.cycle, now);
      if (s) runtimes.push(s);
    }
    return { ...(osStatus ? { os: osStatus } : {}), runtimes, asOf: now.toISOString().slice(0, 10) };
  },
};
