import { OTHER_CLOUD } from "../../../inspect/secret-patterns.js";
import type { FindingDraft } from "../../rule.js";
import { defineListingCheck, proseFields } from "../check.js";

/** Buying or upgrading somewhere else: upsell and redirect phrasing (USE-7). */
const UPSELL =
  /\b(?:buy|purchase|order (?:now|online)|upgrade to (?:the )?(?:pro|premium|enterprise|full|paid)(?: version| edition)?|get (?:the )?(?:pro|premium|full|paid) (?:version|edition)|contact (?:our )?sales|request a quote)\b(?:[^.\n]|\.(?=\S)){0,120}/i;

export default defineListingCheck({
  id: "meta-no-redirects",
  clauses: ["USE-7"],
  severity: "high",
  title: "The listing redirects users to another cloud or an upsell",
  requirement: "Listing text does not redirect users to other cloud platforms, products or upsells.",
  description:
    "Product software and metadata must not send users to other cloud platforms, additional products or upsell services outside AWS Marketplace. The listing's prose is searched for other platforms' names and for buy/upgrade/contact-sales wording.",
  remediation: "Remove the other platform or the upsell from the listing text.",
  messages: {
    otherCloud: "{{field}} names {{cloud}}",
    upsell: '{{field}} sends buyers elsewhere: "{{text}}"',
  },
  check({ listing }) {
    const out: Array<FindingDraft<"otherCloud" | "upsell">> = [];
    const clouds = new RegExp(OTHER_CLOUD.source);
    for (const [field, text] of proseFields(listing)) {
      const cloud = clouds.exec(text);
      if (cloud) out.push({ messageId: "otherCloud", data: { field, cloud: cloud[1]! } });
      const upsell = UPSELL.exec(text);
      // Buying "in AWS Marketplace" is where buyers should buy.
      if (upsell && !/aws marketplace|aws\.amazon\.com/i.test(upsell[0]))
        out.push({ messageId: "upsell", data: { field, text: upsell[0].trim() } });
    }
    return out;
  },
});
