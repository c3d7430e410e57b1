import type { InspectContext } from "../context.js";
import { findPath } from "./paths.js";
import { type Hive, openHive } from "./regf/index.js";

/** SOFTWARE hives of real images reach a few hundred MiB; anything bigger is not read whole. */
export const MAX_HIVE_BYTES = 512 * 1024 * 1024;

export const HIVE_PATHS = {
  SOFTWARE: "/Windows/System32/config/SOFTWARE",
  SYSTEM: "/Windows/System32/config/SYSTEM",
  SAM: "/Windows/System32/config/SAM",
} as const;

export interface LoadedHive {
  path: string;
  hive: Hive;
}

/**
 * Opens a hive of the image (case-insensitive path). Unreadable hives become unknowns; notes
 * (dirty, partial) are kept by the caller for the report.
 */
export async function loadHive(
  ctx: InspectContext,
  which: keyof typeof HIVE_PATHS,
): Promise<LoadedHive | undefined> {
  const path = await findPath(ctx.image, HIVE_PATHS[which]);
  if (!path) return undefined;
  try {
    return { path, hive: openHive(await ctx.image.readFile(path, MAX_HIVE_BYTES), path) };
  } catch (e) {
    ctx.unknown(path, e);
    return undefined;
  }
}

/** Runs `read` on a hive, turning format errors into unknowns so other facts still come out. */
export function guarded<T>(ctx: InspectContext, path: string, read: () => T): T | undefined {
  try {
    return read();
  } catch (e) {
    ctx.unknown(path, e);
    return undefined;
  }
}
