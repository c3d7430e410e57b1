import { defineRule } from "../rule.js";

export default defineRule({
  id: "region-endpoints",
  title: "Hard-coded regional AWS endpoint",
  clauses: ["ARC-7"],
  severity: "low",
  description:
    "Configuration under /etc, /opt, /srv, /usr/local/etc or /var/www names a regional AWS endpoint (ec2.us-east-1.amazonaws.com, s3.us-west-2.amazonaws.com). An image must run in every region; an endpoint fixed to one region breaks or slows it elsewhere.",
  remediation:
    "Derive the region at run time (instance metadata or the SDK's default region chain) and let the SDK pick the endpoint.",
  messages: { endpoint: "regional endpoint {{host}}" },
  facts: ["content"],
  check({ content }) {
    return content.endpoints.map((e) => ({
      path: e.path,
      line: e.line,
      messageId: "endpoint",
      data: { host: e.host },
      evidence: e.host,
    }));
  },
});
