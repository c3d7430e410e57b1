import { isArchiveMember } from "../inspect/archive-formats.js";
import type { CredentialStore } from "../inspect/credential-stores.js";
import type { FindingDraft } from "./rule.js";

/** What credential-store and credential-in-config say of a store: the same sentence, two rules. */
export const storeMessages = {
  inHome: "{{kind}} saved by {{tool}} in the home of {{users}}",
  systemWide: "{{kind}} saved by {{tool}} outside any home",
  inArchive: "{{kind}} saved by {{tool}}, in an archive: remove or rebuild the archive without it",
};

export function storeDraft(store: CredentialStore): FindingDraft<keyof typeof storeMessages> {
  return {
    path: store.path,
    ...(store.line !== undefined ? { line: store.line } : {}),
    messageId: isArchiveMember(store.path) ? "inArchive" : store.users.length > 0 ? "inHome" : "systemWide",
    data: { kind: store.kind, tool: store.tool, users: store.users.join(", ") },
    evidence: store.evidence,
    ...(store.severity ? { severity: store.severity } : {}),
  };
}
