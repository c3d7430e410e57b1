import { defineRule } from "../rule.js";

/** Ways a boot script reads the instance's user data. */
const READS_USER_DATA = [
  /169\.254\.169\.254\/latest\/user-data/,
  /\[fd00:ec2::254\]\/latest\/user-data/,
  /ec2-metadata\s+(-u|--user-data)/,
  /cloud-init\s+query\s+userdata/,
  /\/var\/lib\/cloud\/instance\/user-data\.txt/,
];

export default defineRule({
  id: "user-data-required",
  title: "A boot script reads the instance user data",
  clauses: ["USE-2"],
  severity: "low",
  description:
    "Products must work when launched from the website or CloudFormation without user data. A boot script that reads user data is not wrong in itself, but if it stops or misconfigures the product when none is given, the listing fails. Listed for the publisher to check.",
  remediation: "Make the product start with sensible defaults when the instance has no user data.",
  messages: {
    readsUserData: "{{source}} reads the instance user data at boot",
  },
  facts: ["cloudInit"],
  check({ cloudInit }) {
    return cloudInit.bootCommands
      .filter((c) => READS_USER_DATA.some((re) => re.test(c.command)))
      .map((c) => ({
        path: c.path,
        ...(c.line !== undefined ? { line: c.line } : {}),
        messageId: "readsUserData",
        data: { source: c.source },
        evidence: c.command.slice(0, 200),
      }));
  },
});
