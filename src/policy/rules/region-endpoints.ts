import { groupByFile, nameList } from "../per-file.js";
import { defineRule, type FindingDraft } from "../rule.js";

const messages = {
  endpoint: "regional endpoint {{host}}",
  // One finding per file: a table of endpoints is one thing to fix, not one per line.
  endpoints: "{{count}} regional endpoints in this file: {{hosts}}",
};

export default defineRule({
  id: "region-endpoints",
  title: "Hard-coded regional AWS endpoint",
  clauses: ["ARC-7"],
  severity: "low",
  description:
    "Configuration under /etc, /opt, /srv, /usr/local/etc or /var/www names a regional AWS endpoint (ec2.us-east-1.amazonaws.com, s3.us-west-2.amazonaws.com). An image must run in every region; an endpoint fixed to one region breaks or slows it elsewhere. Files that language package managers installed (an SDK's endpoint tables in a virtualenv's site-packages, node_modules, Composer's vendor/, gems) are data, not configuration, and are not judged. One finding per file, at its first endpoint, with the count.",
  remediation:
    "Derive the region at run time (instance metadata or the SDK's default region chain) and let the SDK pick the endpoint.",
  messages,
  facts: ["content"],
  check({ content }) {
    return groupByFile(content.endpoints).map(({ path, first, all }): FindingDraft<keyof typeof messages> => {
      const place = { path, line: first.line, evidence: first.host };
      return all.length === 1
        ? { ...place, messageId: "endpoint", data: { host: first.host } }
        : {
            ...place,
            messageId: "endpoints",
            data: { count: all.length, hosts: nameList(all.map((e) => e.host)) },
          };
    });
  },
});
