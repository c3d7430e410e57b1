import type { Inspector } from "./context.js";

// Placeholder: the real inspector replaces this file.
// biome-ignore lint/complexity/noBannedTypes: placeholder
export type ServiceFacts = {};

export const servicesInspector: Inspector<"services"> = {
  name: "services",
  description: "placeholder",
  paths: [],
  async inspect() {
    return {};
  },
};
