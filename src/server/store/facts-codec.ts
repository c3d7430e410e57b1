/**
 * A scan's facts snapshot as stored (either store): gzip'd JSON. A Debian image's package
 * inventory is ~33 KB of JSON and ~4 KB gzip'd, and a catalogue keeps one per image.
 */
import { gunzipSync, gzipSync } from "node:zlib";

export function packFacts(json: string): Buffer {
  return gzipSync(json);
}

export function unpackFacts(stored: Uint8Array): string {
  return gunzipSync(stored).toString("utf8");
}
