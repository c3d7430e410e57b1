import type { FindingDraft } from "../../rule.js";
import { defineListingCheck } from "../check.js";

/** Asking buyers for their AWS keys, in any of the ways instructions do it (SEC-5). */
const ASKS_FOR_KEYS =
  /\b(aws_access_key_id|aws_secret_access_key|aws configure\b|(?:enter|provide|paste|supply|input|type) (?:your |an? )?(?:aws )?(?:access key|secret (?:access )?key|credentials))/i;

export default defineListingCheck({
  id: "meta-iam-role-instructions",
  clauses: ["SEC-5", "SEC-6"],
  severity: "high",
  title: "The usage instructions ask for AWS keys or lack a least-privilege IAM role",
  requirement:
    "Usage instructions use an IAM role (via CloudFormation) with minimal privileges and never ask for access keys.",
  description:
    "An AMI must not ask for the buyer's access or secret keys; access to the buyer's account goes through an IAM role created by CloudFormation. When the product is launched with CloudFormation, the instructions must guide the buyer to a minimally privileged role.",
  remediation:
    "Replace the key step with an instance profile (IAM role) created by the CloudFormation template, and describe the least privileges it needs.",
  messages: {
    asksForKeys: '{{field}} asks for AWS keys: "{{text}}"',
    noLeastPrivilege: "usageInstructions mention CloudFormation but not a minimally privileged IAM role",
  },
  check({ listing }) {
    const out: Array<FindingDraft<"asksForKeys" | "noLeastPrivilege">> = [];
    for (const [field, text] of [
      ["usageInstructions", listing.usageInstructions],
      ["description", listing.description],
    ] as const) {
      const m = ASKS_FOR_KEYS.exec(text);
      if (m) out.push({ messageId: "asksForKeys", data: { field, text: m[0] } });
    }
    const usage = listing.usageInstructions;
    if (
      /cloudformation/i.test(usage) &&
      !(/iam role|instance profile/i.test(usage) && /least|minimal|minimum/i.test(usage))
    )
      out.push({ messageId: "noLeastPrivilege", severity: "medium" });
    return out;
  },
});
