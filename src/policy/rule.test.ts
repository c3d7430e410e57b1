import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  defineRule,
  type FindingDraft,
  findingOf,
  placeholdersOf,
  renderMessage,
  UnknownMessageIdError,
} from "./rule.js";

const rule = defineRule({
  id: "sample-rule",
  title: "A sample",
  clauses: ["SEC-1"],
  severity: "high",
  description: "d",
  remediation: "r",
  facts: [],
  messages: {
    set: "{{keyword}} is {{value}} at line {{line}} ({{keyword}})",
    unset: "{{keyword}} is not set",
  },
  check: () => [{ messageId: "set", data: { keyword: "PermitRootLogin", value: "yes", line: 3 } }],
});

describe("rule messages", () => {
  it("renders placeholders from data, each occurrence, numbers as written", () => {
    assert.equal(
      findingOf(rule, rule.check({})[0]!, "/").message,
      "PermitRootLogin is yes at line 3 (PermitRootLogin)",
    );
    assert.equal(renderMessage("{{ a }}-{{b}}", { a: "x", b: 0 }), "x-0");
  });

  it("leaves a placeholder without data visible, so RuleTester catches it", () => {
    assert.equal(renderMessage("{{keyword}} is {{value}}", { keyword: "UsePAM" }), "UsePAM is {{value}}");
    // Only own values count: a name on Object.prototype is not data.
    assert.equal(renderMessage("{{toString}}", {}), "{{toString}}");
  });

  it("a finding carries its message id and data beside the rendered text", () => {
    const f = findingOf(
      rule,
      { messageId: "unset", data: { keyword: "UsePAM" }, path: "/etc/ssh/sshd_config" },
      "/",
    );
    assert.deepEqual([f.messageId, f.message, f.data], ["unset", "UsePAM is not set", { keyword: "UsePAM" }]);
  });

  it("an id the rule does not declare is a typed error (drafts from outside the types: target findings)", () => {
    const draft = { messageId: "nope" } as FindingDraft;
    assert.throws(() => findingOf(rule, draft, "/"), UnknownMessageIdError);
  });

  it("lists placeholders once each, in order of first appearance (SARIF's positions)", () => {
    assert.deepEqual(placeholdersOf(rule.messages!.set), ["keyword", "value", "line"]);
    assert.deepEqual(placeholdersOf("no placeholder"), []);
  });

  it("a check naming an undeclared message id does not type-check", () => {
    defineRule({
      ...rule,
      // @ts-expect-error "unknown" is not a key of messages
      check: () => [{ messageId: "unknown" }],
    });
  });
});
