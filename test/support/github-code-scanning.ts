/**
 * What GitHub code scanning requires of an uploaded SARIF file, as its documentation ("SARIF
 * support for code scanning", and the upload limits) states it, checked in our own words: the
 * properties it reads, and the limits past which it rejects the upload. The SARIF SDK's Multitool
 * (`validate --rule-kinds Ghas`) checks the same; it is a .NET tool this machine does not have.
 */
import type * as Sarif from "sarif";

/** Upload limits GitHub documents: beyond these it rejects the file. */
export const GITHUB_LIMITS = {
  runs: 20,
  resultsPerRun: 25_000,
  rulesPerRun: 25_000,
  locationsPerResult: 1_000,
  tagsPerRule: 20,
};

const LEVELS = new Set(["none", "note", "warning", "error"]);

/** Every departure from GitHub's requirements, as "JSON pointer: what"; empty when the log is fine. */
export function githubCodeScanningProblems(log: Sarif.Log): string[] {
  const problems: string[] = [];
  const say = (at: string, what: string) => problems.push(`${at}: ${what}`);
  if (log.version !== "2.1.0") say("/version", "must be 2.1.0");
  if (!Array.isArray(log.runs)) {
    say("/runs", "required");
    return problems;
  }
  if (log.runs.length > GITHUB_LIMITS.runs) say("/runs", `more than ${GITHUB_LIMITS.runs} runs`);
  log.runs.forEach((run, r) => {
    const at = `/runs/${r}`;
    const driver = run.tool?.driver;
    if (typeof driver?.name !== "string" || driver.name === "") say(`${at}/tool/driver/name`, "required");
    const rules = driver?.rules ?? [];
    if (rules.length > GITHUB_LIMITS.rulesPerRun) say(`${at}/tool/driver/rules`, "too many rules");
    const ruleIds = new Set<string>();
    rules.forEach((rule, i) => {
      if (typeof rule.id !== "string" || rule.id === "") say(`${at}/tool/driver/rules/${i}/id`, "required");
      else ruleIds.add(rule.id);
      const tags = (rule.properties?.tags ?? []) as unknown[];
      if (tags.length > GITHUB_LIMITS.tagsPerRule)
        say(`${at}/tool/driver/rules/${i}/properties/tags`, "too many tags");
      const score = rule.properties?.["security-severity"] as unknown;
      if (score !== undefined) {
        const n = typeof score === "string" && /^\d+(\.\d+)?$/.test(score) ? Number(score) : Number.NaN;
        if (!(n >= 0 && n <= 10))
          say(`${at}/tool/driver/rules/${i}/properties/security-severity`, "a number 0.0-10.0 as a string");
      }
    });
    if (!Array.isArray(run.results)) {
      say(`${at}/results`, "required (may be empty)");
      return;
    }
    if (run.results.length > GITHUB_LIMITS.resultsPerRun) say(`${at}/results`, "too many results");
    run.results.forEach((result, i) => {
      const ra = `${at}/results/${i}`;
      const ruleId = result.ruleId ?? result.rule?.id;
      if (typeof ruleId !== "string" || ruleId === "") say(`${ra}/ruleId`, "required");
      else if (rules.length > 0 && !ruleIds.has(ruleId))
        say(`${ra}/ruleId`, `${ruleId} is not in tool.driver.rules`);
      if (result.ruleIndex !== undefined && rules[result.ruleIndex]?.id !== ruleId)
        say(`${ra}/ruleIndex`, "does not point at the result's rule");
      if (typeof result.message?.text !== "string" || result.message.text === "")
        say(`${ra}/message/text`, "required (GitHub shows the text; it does not fill message strings)");
      if (result.level !== undefined && !LEVELS.has(result.level))
        say(`${ra}/level`, "none, note, warning or error");
      const fingerprints = result.partialFingerprints;
      if (!fingerprints || Object.keys(fingerprints).length === 0)
        say(`${ra}/partialFingerprints`, "required");
      else
        for (const [k, v] of Object.entries(fingerprints))
          if (typeof v !== "string" || v === "") say(`${ra}/partialFingerprints/${k}`, "a non-empty string");
      const locations = result.locations ?? [];
      if (locations.length === 0) say(`${ra}/locations`, "at least one location");
      if (locations.length > GITHUB_LIMITS.locationsPerResult) say(`${ra}/locations`, "too many locations");
      locations.forEach((loc, j) => {
        const la = `${ra}/locations/${j}/physicalLocation`;
        const uri = loc.physicalLocation?.artifactLocation?.uri;
        if (typeof uri !== "string" || uri === "") say(`${la}/artifactLocation/uri`, "required");
        // A relative reference, or an absolute file: URI (GitHub drops other schemes).
        else if (/^[A-Za-z][A-Za-z0-9+.-]*:/.test(uri) && !uri.startsWith("file:"))
          say(`${la}/artifactLocation/uri`, "a relative path or a file: URI");
        else if (uri.startsWith("file:"))
          say(`${la}/artifactLocation/uri`, "absolute file: URIs need a checkout path");
        const startLine = loc.physicalLocation?.region?.startLine;
        if (!(Number.isInteger(startLine) && startLine! >= 1))
          say(`${la}/region/startLine`, "required, 1 or more");
      });
    });
  });
  return problems;
}
