import type { RuntimeEolStatus } from "../../inspect/eol.js";
import { defineRule, type FindingDraft } from "../rule.js";

/** Why upstream's dates apply to this runtime, naming where it is ("/usr/local/bin/python3.8 is …"). */
export function installedNote(s: RuntimeEolStatus): string {
  const r = s.runtime;
  const install = r.installedBy;
  if (install.kind === "package") {
    return s.judgedBy === "uncovered-component"
      ? `package ${install.package} is from the ${install.component} component, which gets no free security support from the distribution, so upstream's dates apply`
      : `package ${install.package} is on an OS whose support dates are unknown, so upstream's dates apply`;
  }
  switch (install.via) {
    case "version-manager":
      return `${r.evidence} was installed by ${install.manager ?? "a version manager"}, outside the package manager, so upstream's dates apply`;
    case "venv":
      return `${r.evidence} is a venv's own copy of the interpreter, which no package update reaches, so upstream's dates apply`;
    default:
      return `${r.evidence} is installed outside the package manager, so upstream's dates apply`;
  }
}

const messages = {
  endOfLife: "runtime {{name}} reached end of life on {{eol}}: {{installed}}",
  endOfLifeUndated: "runtime {{name}} reached end of life: {{installed}}",
  endOfLifeSoon: "runtime {{name}} reaches end of life on {{eol}} (in {{daysLeft}} days): {{installed}}",
};

/** A runtime past or near its upstream end of life; none while upstream supports it. */
function runtimeFinding(s: RuntimeEolStatus): FindingDraft<keyof typeof messages> | undefined {
  const name = `${s.title} ${s.cycle}`;
  const evidence = `endoflife.date data as of ${s.asOf}`;
  const path = s.runtime.evidence.startsWith("/") ? { path: s.runtime.evidence } : {};
  const installed = installedNote(s);
  if (s.state === "eol")
    return s.eol !== undefined
      ? { ...path, messageId: "endOfLife", data: { name, eol: s.eol, installed }, evidence }
      : { ...path, messageId: "endOfLifeUndated", data: { name, installed }, evidence };
  if (s.state === "eol-soon")
    return {
      ...path,
      messageId: "endOfLifeSoon",
      data: { name, eol: s.eol ?? "an unstated date", daysLeft: s.daysLeft ?? "?", installed },
      evidence,
      severity: "low",
    };
  return undefined;
}

export default defineRule({
  id: "runtime-end-of-life",
  clauses: ["SEC-2"],
  severity: "medium",
  title: "Language runtime or server is past (or near) its end of life",
  description:
    "Runtimes and servers installed outside the distribution's support — /usr/local, /opt, a binary no package owns, version managers (pyenv, nvm, rbenv, asdf, mise, volta, fnm, uv, n), a venv's own copy of the interpreter, or a package from a part of the archive without free security support (Ubuntu's universe) — compared with upstream's end-of-life dates. Runtimes from the distribution's own packages are patched with the release and judged with it by os-end-of-life.",
  remediation:
    "Move to a supported release cycle of the runtime (or install it from the distribution's packages) and remove the old one from the image.",
  messages,
  facts: ["eol"],
  check({ eol }) {
    return eol.runtimes.map(runtimeFinding).filter((f) => f !== undefined);
  },
});
