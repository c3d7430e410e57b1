import { defineListingCheck } from "../check.js";

/** Words that say a product depends on another one, when addOnTo is not set. */
const ADD_ON_WORDS =
  /\b(add-?on (?:for|to)|plug-?in for|extension (?:for|to)|requires? an? (?:existing )?(?:license|installation) of)\b/i;

function normalized(text: string): string {
  return text.toLowerCase().replace(/\s+/g, " ");
}

export default defineListingCheck({
  id: "meta-add-on-wording",
  clauses: ["USE-8"],
  severity: "high",
  title: "An add-on does not say so with the required wording",
  requirement: "An add-on product says so in its description with the required wording.",
  description:
    'A product that extends another product must say in its description: "This product extends the functionality of <product name> and without it, this product has very limited utility." A listing declares it with addOnTo; a description that reads like an add-on without it is reported too.',
  remediation:
    'Set addOnTo to the product it extends and add to the description: "This product extends the functionality of <product> and without it, this product has very limited utility."',
  messages: {
    missingSentence:
      'the description does not say "extends the functionality of {{product}}" and "without it, this product has very limited utility"',
    undeclared: 'the description says "{{words}}" but addOnTo is not set',
  },
  check({ listing }) {
    const description = normalized(listing.description);
    if (listing.addOnTo !== "") {
      const extendsIt = description.includes(`extends the functionality of ${normalized(listing.addOnTo)}`);
      const limited = description.includes("very limited utility");
      return extendsIt && limited
        ? []
        : [{ messageId: "missingSentence", data: { product: listing.addOnTo } }];
    }
    const m = ADD_ON_WORDS.exec(listing.description);
    return m ? [{ messageId: "undeclared", data: { words: m[0] }, severity: "medium" }] : [];
  },
});
