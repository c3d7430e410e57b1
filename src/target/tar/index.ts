export { type Compression, detectCompression } from "./decompress.js";
export type { SuspiciousEntry } from "./index-builder.js";
export { looksLikeTar, tarProbe } from "./probe.js";
export { TarTree } from "./tree.js";
