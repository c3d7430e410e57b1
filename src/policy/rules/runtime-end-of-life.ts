import { defineRule, type FindingDraft } from "../rule.js";
import { eolFinding } from "./os-end-of-life.js";

export default defineRule({
  id: "runtime-end-of-life",
  clauses: ["SEC-2"],
  severity: "medium",
  title: "Language runtime or server is past (or near) its end of life",
  description:
    "Runtimes and servers found in packages or as versioned binaries, compared with the dated end-of-life dataset.",
  remediation: "Move to a supported release cycle of the runtime and remove the old one from the image.",
  facts: ["eol"],
  check({ eol }) {
    return eol.runtimes
      .map((r) => eolFinding(r, "runtime", undefined))
      .filter((f): f is FindingDraft => f !== undefined);
  },
});
