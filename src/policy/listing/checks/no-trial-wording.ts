import type { FindingDraft } from "../../rule.js";
import { defineListingCheck, proseFields } from "../check.js";

/**
 * Words that describe a restricted, pre-release or trial product (USE-1). "Developer" and
 * "Community" editions are allowed and not matched.
 */
const TRIAL =
  /\b(free trial|trial (?:version|edition|period|license)|\d+[- ]day trial|beta|pre-?release|preview (?:release|version|build)|evaluation (?:copy|version|edition|license|only)|for evaluation|time[- ]limited|expires? after|limited to \d+ (?:users|days|hosts|nodes))\b/i;

export default defineListingCheck({
  id: "meta-no-trial-wording",
  clauses: ["USE-1"],
  severity: "high",
  title: "The listing describes a trial, beta or limited product",
  requirement: "The listing does not describe a beta, trial or time-limited product.",
  description:
    "Products must not be restricted by time, number of users or similar, and beta, pre-release or trial-only products are not accepted. The listing's name, description, key features, usage instructions and release notes are searched for such wording.",
  remediation: "Remove the restriction from the product, or the wording if it does not apply.",
  messages: { trialWording: '{{field}} says "{{words}}"' },
  check({ listing }) {
    const out: Array<FindingDraft<"trialWording">> = [];
    for (const [field, text] of proseFields(listing)) {
      const m = TRIAL.exec(text);
      if (m) out.push({ messageId: "trialWording", data: { field, words: m[0] } });
    }
    return out;
  },
});
