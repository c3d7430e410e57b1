import { storeTable } from "../../../test/support/credential-store-trees.js";
import { testRule } from "../../../test/support/rule-tester.js";
import rule from "./credential-store.js";

// One failing and at least one passing tree per store the fix removes (test/support/credential-store-trees.ts).
const table = storeTable("credential-store");
testRule(rule, {
  valid: [{ name: "the clean Debian rootfs", changes: {} }, ...table.valid],
  invalid: table.invalid,
});
