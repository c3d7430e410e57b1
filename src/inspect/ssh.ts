import type { Inspector } from "./context.js";

// Placeholder: the real inspector replaces this file.
// biome-ignore lint/complexity/noBannedTypes: placeholder
export type SshdFacts = {};

export const sshdInspector: Inspector<"sshd"> = {
  name: "sshd",
  description: "placeholder",
  paths: [],
  async inspect() {
    return {};
  },
};
