import type { Inspector } from "./context.js";

// Placeholder: the real inspector replaces this file.
// biome-ignore lint/complexity/noBannedTypes: placeholder
export type HistoryFacts = {};

export const historiesInspector: Inspector<"histories"> = {
  name: "histories",
  description: "placeholder",
  paths: [],
  async inspect() {
    return {};
  },
};
