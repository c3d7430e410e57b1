import type { Inspector } from "./context.js";

// Placeholder: the real inspector replaces this file.
// biome-ignore lint/complexity/noBannedTypes: placeholder
export type AuthorizedKeyFacts = {};

export const authorizedKeysInspector: Inspector<"authorizedKeys"> = {
  name: "authorizedKeys",
  description: "placeholder",
  paths: [],
  async inspect() {
    return {};
  },
};
