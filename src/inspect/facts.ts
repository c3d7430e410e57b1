import type { AccountFacts } from "./accounts.js";
import type { BootServiceFacts } from "./boot-services.js";
import type { CloudInitFacts } from "./cloudinit.js";
import type { ContentFacts } from "./content.js";
import type { CoverageFacts } from "./coverage.js";
import type { CredentialStoreFacts } from "./credential-stores.js";
import type { EolFacts } from "./eol.js";
import type { FileIndex, FileWalk } from "./files.js";
import type { HistoryFacts } from "./history.js";
import type { AuthorizedKeyFacts } from "./keys.js";
import type { MalwareFacts } from "./malware.js";
import type { OsFacts } from "./os.js";
import type { PackageFacts } from "./packages/index.js";
import type { PlatformFacts } from "./platform.js";
import type { ScheduleFacts } from "./schedules.js";
import type { ServicePortFacts } from "./service-ports.js";
import type { ServiceFacts } from "./services.js";
import type { SshdFacts } from "./ssh.js";
import type { TelemetryFacts } from "./telemetry.js";
import type { VulnerabilityFacts } from "./vulnerabilities.js";
import type { WindowsFacts } from "./windows/types.js";

/** Every fact an inspector can produce, by name. Rules ask for these by name. */
export interface Facts {
  os: OsFacts;
  platform: PlatformFacts;
  files: FileIndex;
  accounts: AccountFacts;
  services: ServiceFacts;
  bootServices: BootServiceFacts;
  servicePorts: ServicePortFacts;
  schedules: ScheduleFacts;
  sshd: SshdFacts;
  cloudInit: CloudInitFacts;
  authorizedKeys: AuthorizedKeyFacts;
  content: ContentFacts;
  credentialStores: CredentialStoreFacts;
  histories: HistoryFacts;
  windows: WindowsFacts;
  telemetry: TelemetryFacts;
  packages: PackageFacts;
  eol: EolFacts;
  vulnerabilities: VulnerabilityFacts;
  malware: MalwareFacts;
  /** The walk while it runs (the content pass follows it); `files` is its finished index. */
  walk: FileWalk;
  coverage: CoverageFacts;
}

export type FactName = keyof Facts;
