import { defineListingCheck } from "../check.js";

export default defineListingCheck({
  id: "meta-data-collection-disclosed",
  clauses: ["CUS-3"],
  severity: "high",
  title: "The listing does not say what customer data is collected",
  requirement: "The listing states what data is collected, where it is stored and how it is used.",
  description:
    "When the software collects customer data, the listing's description or usage instructions must say what is collected, where it is stored and how it is used. The scan's telemetry findings (rule telemetry-agents) mean data leaves the instance; dataCollection must then describe it. A statement that says neither where the data is stored nor how it is used is incomplete.",
  remediation:
    'Describe it in dataCollection: "This product collects … This information is sent to and stored by … It is used only to …".',
  messages: {
    undisclosed: "the image runs {{agents}}, which send data out; dataCollection is empty",
    incomplete: "dataCollection does not say {{missing}}",
  },
  check({ listing, evidence }) {
    const agents = evidence.findings.filter((f) => f.rule === "telemetry-agents");
    const statement = listing.dataCollection;
    if (statement === "") {
      if (agents.length === 0) return [];
      const names = [...new Set(agents.map((f) => String(f.data?.agent ?? f.message.split(" is on")[0])))];
      return [{ messageId: "undisclosed", data: { agents: names.slice(0, 5).join(", ") } }];
    }
    // A statement of "none" needs no where and how.
    if (/^(none|no (?:customer )?data (?:is )?collected)\.?$/i.test(statement)) return [];
    const missing = [];
    if (!/\b(stored?|sent to|kept|hosted|retain)/i.test(statement)) missing.push("where it is stored");
    if (!/\b(used?|purpose|only to)\b/i.test(statement)) missing.push("how it is used");
    return missing.length === 0
      ? []
      : [{ messageId: "incomplete", data: { missing: missing.join(" or ") }, severity: "medium" }];
  },
});
