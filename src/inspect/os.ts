import type { Inspector } from "./context.js";

// Placeholder: the real inspector replaces this file.
// biome-ignore lint/complexity/noBannedTypes: placeholder
export type OsFacts = {};

export const osInspector: Inspector<"os"> = {
  name: "os",
  description: "placeholder",
  paths: [],
  async inspect() {
    return {};
  },
};
