import { diskProbe } from "./disk/probe.js";
import { tarProbe } from "./tar/probe.js";
import type { TargetProbe } from "./target.js";

/** Format probes in the order they are tried: compressed/plain tar first, then disk containers. */
export const probes: readonly TargetProbe[] = [
  tarProbe,
  // The disk probe stays last: a raw disk has no magic, so it accepts any file with a partition table or a filesystem.
  diskProbe,
];
