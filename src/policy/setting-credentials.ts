import type { ConfigCredentialMatch, CredentialKind } from "../inspect/content.js";
import type { CredentialStoreFacts } from "../inspect/credential-stores.js";
import { AGENT_PATHS } from "../inspect/windows/agents.js";
import { UNATTEND_PATTERNS } from "../inspect/windows/credentials.js";
import { groupByFile, nameList } from "./per-file.js";
import type { FindingDraft } from "./rule.js";
import type { Severity } from "./severity.js";

/** What app-config-password and app-config-secret say: one setting, or how many and which. */
export const settingMessages = {
  setting: "{{setting}} is set to a literal {{what}}",
  settings: "{{count}} settings are set to literal {{what}}: {{settings}}",
};

const WHAT: Record<CredentialKind, string> = { password: "password", secret: "API key, token or secret" };
const WHAT_MANY: Record<CredentialKind, string> = {
  password: "passwords",
  secret: "API keys, tokens or secrets",
};

/**
 * Windows files whose passwords dedicated rules judge in their own words: EC2Launch's and
 * EC2Config's settings (win-fixed-admin-password) and answer files (win-saved-passwords). Lower
 * case: NTFS names compare without case.
 */
const WINDOWS_JUDGED = [...Object.values(AGENT_PATHS), ...UNATTEND_PATTERNS].map((p) => p.toLowerCase());

/**
 * Files another rule already reports, in the words of the tool that wrote them: credential stores
 * (credential-store, credential-in-config: .my.cnf, .pypirc, maven's settings.xml) and the Windows
 * launch-agent and answer files. One file, one finding.
 */
export function reportedStores(facts: CredentialStoreFacts): ReadonlySet<string> {
  return new Set([...facts.stores.map((s) => s.path), ...WINDOWS_JUDGED]);
}

/** Whether `path` is one of `reportedStores`. */
export function isReported(stores: ReadonlySet<string>, path: string): boolean {
  return stores.has(path) || stores.has(path.toLowerCase());
}

/**
 * One finding per file for the settings of one kind, at the first one, its value masked. A literal
 * in program code (not a file named for configuration) may be a default or a test value: `lessSure`.
 */
export function settingDrafts(
  matches: readonly ConfigCredentialMatch[],
  kind: CredentialKind,
  lessSure: Severity,
  stores: ReadonlySet<string>,
): Array<FindingDraft<keyof typeof settingMessages>> {
  const own = matches.filter((m) => m.kind === kind && !isReported(stores, m.path));
  return groupByFile(own).map(({ path, first, all }) => {
    const place = {
      path,
      line: first.line,
      evidence: `${first.setting} = ${first.masked}`,
      ...(first.certainty === "source" ? { severity: lessSure } : {}),
    };
    return all.length === 1
      ? { ...place, messageId: "setting", data: { setting: first.setting, what: WHAT[kind] } }
      : {
          ...place,
          messageId: "settings",
          data: { count: all.length, settings: nameList(all.map((m) => m.setting)), what: WHAT_MANY[kind] },
        };
  });
}
