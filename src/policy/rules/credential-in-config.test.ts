import { storeTable } from "../../../test/support/credential-store-trees.js";
import { testRule } from "../../../test/support/rule-tester.js";
import rule from "./credential-in-config.js";

// One failing and at least one passing tree per configuration store (test/support/credential-store-trees.ts).
const table = storeTable("credential-in-config");
testRule(rule, {
  valid: [{ name: "the clean Debian rootfs", changes: {} }, ...table.valid],
  invalid: table.invalid,
});
