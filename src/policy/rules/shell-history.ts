import { isArchiveMember } from "../../inspect/archive-formats.js";
import { defineRule, type FindingDraft } from "../rule.js";

const messages = {
  historyLine: "{{kind}} history of {{users}}: 1 line, {{size}} bytes",
  historyLines: "{{kind}} history of {{users}}: {{lines}} lines, {{size}} bytes",
  // Too large to count its lines within the content scan limit.
  historyBytes: "{{kind}} history of {{users}}: {{size}} bytes",
  historySymlink: "{{kind}} history of {{users}} is a symlink to {{target}}",
  historyInArchive: "{{kind}} history in an archive: {{lines}} lines, {{size}} bytes",
};

export default defineRule({
  id: "shell-history",
  title: "Shell or REPL history left in the image",
  clauses: ["SHR-1"],
  severity: "medium",
  description:
    "Non-empty shell and REPL histories (bash, zsh, fish, python, mysql, psql, …) in any home from passwd, service accounts included, and inside archives (a home's backup). A history symlinked to /dev/null is hardening and passes.",
  remediation: "Delete the histories before bundling (and unset HISTFILE in the build session).",
  fix: "histories",
  messages,
  facts: ["histories"],
  check({ histories }) {
    const out: FindingDraft<keyof typeof messages>[] = [];
    for (const h of histories.files) {
      if (h.devNull) continue;
      const about = { kind: h.kind, users: h.users.join(", ") };
      if (isArchiveMember(h.path))
        out.push({
          path: h.path,
          messageId: "historyInArchive",
          data: { kind: h.kind, lines: h.lines, size: h.size },
        });
      else if (h.symlinkTarget !== undefined)
        out.push({ path: h.path, messageId: "historySymlink", data: { ...about, target: h.symlinkTarget } });
      else if (h.lines === undefined)
        out.push({ path: h.path, messageId: "historyBytes", data: { ...about, size: h.size } });
      else
        out.push({
          path: h.path,
          messageId: h.lines === 1 ? "historyLine" : "historyLines",
          data: { ...about, lines: h.lines, size: h.size },
        });
    }
    return out;
  },
});
