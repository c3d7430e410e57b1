import type { FactName } from "../../inspect/facts.js";
import type { Rule } from "../rule.js";
import knownVulnerabilities from "./known-vulnerabilities.js";
import malware from "./malware.js";
import osEndOfLife from "./os-end-of-life.js";
import runtimeEndOfLife from "./runtime-end-of-life.js";
import vulnDbMissing from "./vuln-db-missing.js";

/** Every rule in one explicit list (no self-registration); the engine runs them sorted by id. */
const list: Array<Rule<FactName>> = [
  // one import per rule file, one line each, kept alphabetical
  knownVulnerabilities,
  malware,
  osEndOfLife,
  runtimeEndOfLife,
  vulnDbMissing,
];

export const rules: ReadonlyArray<Rule<FactName>> = [...list].sort((a, b) => a.id.localeCompare(b.id));
