import type { Inspector } from "./context.js";

// Placeholder: the real inspector replaces this file.
// biome-ignore lint/complexity/noBannedTypes: placeholder
export type AccountFacts = {};

export const accountsInspector: Inspector<"accounts"> = {
  name: "accounts",
  description: "placeholder",
  paths: [],
  async inspect() {
    return {};
  },
};
