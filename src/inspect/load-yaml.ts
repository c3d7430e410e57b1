import type * as Yaml from "yaml";

/**
 * The yaml module, loaded on first use: it is ~70 CommonJS files and most scans read no YAML.
 * A CommonJS module imported dynamically is its exports object under `default` (in the bundle
 * only there; under node also as named exports), so take `default` when it is there.
 */
export async function loadYaml(): Promise<typeof Yaml> {
  const mod = (await import("yaml")) as typeof Yaml & { default?: typeof Yaml };
  return mod.default ?? mod;
}
