import { defineRule } from "../rule.js";
import { eolFinding, eolMessages } from "./os-end-of-life.js";

export default defineRule({
  id: "runtime-end-of-life",
  clauses: ["SEC-2"],
  severity: "medium",
  title: "Language runtime or server is past (or near) its end of life",
  description:
    "Runtimes and servers found in packages or as versioned binaries, compared with the dated end-of-life dataset.",
  remediation: "Move to a supported release cycle of the runtime and remove the old one from the image.",
  messages: eolMessages("runtime"),
  facts: ["eol"],
  check({ eol }) {
    return eol.runtimes.map(eolFinding).filter((f) => f !== undefined);
  },
});
