import type { Inspector } from "./context.js";

// CONTRACT (the accounts helper implements this file). Field names match OsSummary in policy/result.ts.

export interface OsFacts {
  /** "linux" | "windows" | undefined when nothing identifies the OS. */
  family?: "linux" | "windows";
  /** os-release ID ("debian", "amzn", "ubuntu", "rhel", "alpine"…). */
  id?: string;
  /** Release, e.g. "12", "2023", "22.04". */
  version?: string;
  name?: string;
  prettyName?: string;
  /** ID_LIKE split. */
  like?: string[];
  codename?: string;
  /** The file the identity came from. */
  source?: string;
}

export const osInspector: Inspector<"os"> = {
  name: "os",
  description: "placeholder",
  paths: [],
  async inspect() {
    return {};
  },
};
