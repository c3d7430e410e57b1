import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { renderOperationList } from "../../cli/fix.js";
import { rules } from "../../policy/rules/index.js";
import type { FixOperation } from "../operation.js";
import { selectOperations, UnknownOperationError } from "../planner.js";
import { checkOperations, operations } from "./index.js";

describe("fix operation registry", () => {
  it("every rule's fix id names a registered operation", () => {
    const ids = new Set(operations.map((o) => o.id));
    const missing = rules
      .filter((r) => r.fix !== undefined && !ids.has(r.fix))
      .map((r) => `${r.id} → ${r.fix}`);
    assert.deepEqual(missing, []);
  });

  it("the start-up check rejects duplicate ids and badly formed headings", () => {
    const op = operations[0]!;
    assert.throws(() => checkOperations([op, { ...op }]), /registered twice/);
    assert.throws(() => checkOperations([{ ...op, heading: "Ends with a period." }]), /heading/);
    assert.throws(() => checkOperations([{ ...op, id: "Not_Kebab" }]), /kebab-case/);
  });

  it("runs in order, and --list-operations prints every operation", () => {
    const orders = operations.map((o) => o.order);
    assert.deepEqual(
      orders,
      [...orders].sort((a, b) => a - b),
    );
    const text = renderOperationList();
    for (const o of operations) assert.match(text, new RegExp(`^${o.id} +\\* +${o.appliesTo}`, "m"));
  });

  it("--only narrows, --skip removes, unknown ids are an error", () => {
    assert.deepEqual(
      selectOperations({ only: ["logs", "histories"] }).map((o: FixOperation) => o.id),
      ["histories", "logs"],
    );
    assert.ok(!selectOperations({ skip: ["logs"] }).some((o) => o.id === "logs"));
    assert.throws(() => selectOperations({ only: ["ssh-keys-typo"] }), UnknownOperationError);
  });
});
