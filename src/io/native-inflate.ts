import { createRequire } from "node:module";
import { shippedFile } from "./shipped-files.js";

/** The optional native addon (native/inflate/inflate.c): libdeflate, inflating into a given buffer. */
export interface NativeInflate {
  /** Bytes written to `into`, or -1 when `data` is not one complete stream whose output fits. */
  inflateInto(data: Uint8Array, into: Uint8Array, zlibWrapped: boolean): number;
}

/** Where `npm install` builds it (scripts/build-native.mjs), below the package root. */
export const NATIVE_INFLATE_PATH = "native/inflate/build/Release/amigate_inflate.node";

let loaded: NativeInflate | null | undefined;

/**
 * The libdeflate addon when it was built and AMIGATE_INFLATE is not "zlib"; undefined otherwise
 * (no compiler or libdeflate at install, `npm install --ignore-scripts`): units then inflate with
 * node's zlib, the same bytes a little slower. Loaded once per thread.
 */
export function nativeInflate(): NativeInflate | undefined {
  if (loaded === undefined) loaded = load();
  return loaded ?? undefined;
}

function load(): NativeInflate | null {
  if (process.env.AMIGATE_INFLATE === "zlib") return null;
  try {
    const addon = createRequire(import.meta.url)(shippedFile(NATIVE_INFLATE_PATH)) as Partial<NativeInflate>;
    return typeof addon.inflateInto === "function" ? (addon as NativeInflate) : null;
  } catch {
    return null;
  }
}

/** Which inflater units go through in this process: "libdeflate" or "zlib". */
export const inflaterName = (): "libdeflate" | "zlib" => (nativeInflate() ? "libdeflate" : "zlib");
