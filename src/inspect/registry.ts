import { accountsInspector } from "./accounts.js";
import { cloudInitInspector } from "./cloudinit.js";
import { contentInspector } from "./content.js";
import type { Inspector } from "./context.js";
import { coverageInspector } from "./coverage.js";
import { eolInspector } from "./eol.js";
import type { FactName } from "./facts.js";
import { filesInspector } from "./files.js";
import { historiesInspector } from "./history.js";
import { authorizedKeysInspector } from "./keys.js";
import { malwareInspector } from "./malware.js";
import { osInspector } from "./os.js";
import { packagesInspector } from "./packages/index.js";
import { platformInspector } from "./platform.js";
import { schedulesInspector } from "./schedules.js";
import { servicesInspector } from "./services.js";
import { sshdInspector } from "./ssh.js";
import { telemetryInspector } from "./telemetry.js";
import { vulnerabilitiesInspector } from "./vulnerabilities.js";
import { windowsInspector } from "./windows/inspector.js";

/** Every inspector, in one explicit list (no self-registration). */
export const inspectors: ReadonlyArray<Inspector<FactName>> = [
  accountsInspector,
  authorizedKeysInspector,
  cloudInitInspector,
  contentInspector,
  coverageInspector,
  eolInspector,
  filesInspector,
  historiesInspector,
  malwareInspector,
  osInspector,
  platformInspector,
  schedulesInspector,
  servicesInspector,
  sshdInspector,
  windowsInspector,
  telemetryInspector,
  packagesInspector,
  servicesInspector,
  sshdInspector,
  vulnerabilitiesInspector,
] as ReadonlyArray<Inspector<FactName>>;

export const inspectorsByName: ReadonlyMap<FactName, Inspector<FactName>> = new Map(
  inspectors.map((i) => [i.name, i]),
);
