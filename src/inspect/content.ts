import type { Inspector } from "./context.js";

// Placeholder: the real inspector replaces this file.
// biome-ignore lint/complexity/noBannedTypes: placeholder
export type ContentFacts = {};

export const contentInspector: Inspector<"content"> = {
  name: "content",
  description: "placeholder",
  paths: [],
  async inspect() {
    return {};
  },
};
