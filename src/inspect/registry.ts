import { accountsInspector } from "./accounts.js";
import { bootServicesInspector } from "./boot-services.js";
import { cloudInitInspector } from "./cloudinit.js";
import { contentInspector } from "./content.js";
import type { Inspector } from "./context.js";
import { coverageInspector } from "./coverage.js";
import { credentialStoresInspector } from "./credential-stores.js";
import { eolInspector } from "./eol.js";
import type { FactName } from "./facts.js";
import { filesInspector, walkInspector } from "./files.js";
import { historiesInspector } from "./history.js";
import { authorizedKeysInspector } from "./keys.js";
import { malwareInspector } from "./malware.js";
import { osInspector } from "./os.js";
import { packagesInspector } from "./packages/index.js";
import { platformInspector } from "./platform.js";
import { schedulesInspector } from "./schedules.js";
import { servicePortsInspector } from "./service-ports.js";
import { servicesInspector } from "./services.js";
import { sshdInspector } from "./ssh.js";
import { telemetryInspector } from "./telemetry.js";
import { vulnerabilitiesInspector } from "./vulnerabilities.js";
import { windowsInspector } from "./windows/inspector.js";

/** An inspector of some fact, its name and result type matched (Inspector<"os"> | Inspector<"files"> | …). */
export type AnyInspector = { [K in FactName]: Inspector<K> }[FactName];

/**
 * Every inspector, in one explicit list (no self-registration), sorted by name with one entry per
 * fact of facts.ts (registry.test.ts checks both).
 */
export const inspectors: readonly AnyInspector[] = [
  accountsInspector,
  authorizedKeysInspector,
  bootServicesInspector,
  cloudInitInspector,
  contentInspector,
  coverageInspector,
  credentialStoresInspector,
  eolInspector,
  filesInspector,
  historiesInspector,
  malwareInspector,
  osInspector,
  packagesInspector,
  platformInspector,
  schedulesInspector,
  servicePortsInspector,
  servicesInspector,
  sshdInspector,
  telemetryInspector,
  vulnerabilitiesInspector,
  walkInspector,
  windowsInspector,
];

export const inspectorsByName: ReadonlyMap<FactName, Inspector<FactName>> = new Map(
  inspectors.map((i) => [i.name, i]),
);
