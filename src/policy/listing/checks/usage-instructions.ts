import { defineListingCheck } from "../check.js";

/** Shorter than this, instructions cannot say how to connect and start: a placeholder. */
const MIN_LENGTH = 40;
const CONNECT = /\b(ssh|rdp|remote desktop|log ?in|sign ?in|connect|browse to|open https?:|https?:\/\/)/i;

export default defineListingCheck({
  id: "meta-usage-instructions",
  clauses: ["DOC-1"],
  severity: "high",
  title: "The listing has no usable usage instructions",
  requirement: "Usage instructions follow the AMI usage-instructions guidance.",
  description:
    "Marketplace asks every AMI product for usage instructions: how to connect to an instance (the user and the protocol), how to start using the software, and where its configuration lives.",
  remediation:
    "Write usageInstructions: how to connect (e.g. `ssh admin@<instance>` on port 22), the first steps, and where to find the logs and configuration.",
  messages: {
    missing: "usageInstructions is empty",
    tooShort: "usageInstructions has {{length}} characters: too short to say how to connect and start",
    noConnection: "usageInstructions does not say how to connect to an instance (SSH, RDP or a URL)",
  },
  check({ listing }) {
    const text = listing.usageInstructions;
    if (text === "") return [{ messageId: "missing" }];
    if (text.length < MIN_LENGTH)
      return [{ messageId: "tooShort", data: { length: text.length }, severity: "medium" }];
    return CONNECT.test(text) ? [] : [{ messageId: "noConnection", severity: "low" }];
  },
});
