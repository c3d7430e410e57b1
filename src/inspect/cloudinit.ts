import type { Inspector } from "./context.js";

// Placeholder: the real inspector replaces this file.
// biome-ignore lint/complexity/noBannedTypes: placeholder
export type CloudInitFacts = {};

export const cloudInitInspector: Inspector<"cloudInit"> = {
  name: "cloudInit",
  description: "placeholder",
  paths: [],
  async inspect() {
    return {};
  },
};
