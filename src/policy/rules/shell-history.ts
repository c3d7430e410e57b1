import { defineRule, type FindingDraft } from "../rule.js";

export default defineRule({
  id: "shell-history",
  title: "Shell or REPL history left in the image",
  clauses: ["SHR-1"],
  severity: "medium",
  description:
    "Non-empty shell and REPL histories (bash, zsh, fish, python, mysql, psql, …) in any home from passwd, service accounts included. A history symlinked to /dev/null is hardening and passes.",
  remediation: "Delete the histories before bundling (and unset HISTFILE in the build session).",
  fix: "histories",
  facts: ["histories"],
  check({ histories }) {
    const out: FindingDraft[] = [];
    for (const h of histories.files) {
      if (h.devNull) continue;
      const owner = h.users.join(", ");
      out.push({
        path: h.path,
        message:
          h.symlinkTarget !== undefined
            ? `${h.kind} history of ${owner} is a symlink to ${h.symlinkTarget}`
            : `${h.kind} history of ${owner}: ${h.lines !== undefined ? `${h.lines} line${h.lines === 1 ? "" : "s"}, ` : ""}${h.size} bytes`,
      });
    }
    return out;
  },
});
