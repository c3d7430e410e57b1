// Types of check-layers.mjs for the tests that import it.
export declare const LAYERS: ReadonlyArray<
  readonly [name: string, holds: string, prefixes: readonly string[]]
>;
export declare function layerOf(rel: string): number;
export declare function unlayered(files: readonly string[]): string[];
