import { defineRule } from "../rule.js";

export default defineRule({
  id: "other-cloud-banner",
  title: "Login banner points to another cloud platform",
  clauses: ["USE-7"],
  severity: "low",
  description:
    "The message of the day, /etc/issue or an update-motd.d script names another cloud platform (Azure, Google Cloud, DigitalOcean…): software must not redirect users to other clouds or upsell.",
  remediation:
    "Remove the text that points to another platform from the banner, or drop the motd script that prints it.",
  messages: {
    namesCloud: "login banner names {{cloud}}",
  },
  facts: ["content"],
  check({ content }) {
    return content.cloudMentions.map((m) => ({
      path: m.path,
      line: m.line,
      messageId: "namesCloud",
      data: { cloud: m.cloud },
      evidence: m.text,
    }));
  },
});
