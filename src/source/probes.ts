import { tarProbe } from "./tar/probe.js";
import type { TargetProbe } from "./target.js";

/** Format probes in the order they are tried: compressed/plain tar first, then disk containers. */
export const probes: readonly TargetProbe[] = [tarProbe];
