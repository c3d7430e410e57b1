import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { parseUnattend } from "./credentials.js";
import { elements, elementText, lineIndex } from "./xml-elements.js";

describe("xml-elements", () => {
  it("pairs each opening tag with the first closing tag of its name; prefixes and case ignored", () => {
    const text = '<a:AutoLogon x="1"><Password><Value>p</Value></Password></a:autologon><AutoLogon/>';
    const found = elements(text, "AutoLogon").map((e) => text.slice(e.contentStart, e.contentEnd));
    assert.deepEqual(found, ["<Password><Value>p</Value></Password>"]);
    assert.equal(elementText(text, "Value"), "p");
    assert.equal(elementText("<Value><b>x</b></Value><Value> y </Value>", "Value"), "y");
    assert.equal(elementText("<ValueX>no</ValueX>", "Value"), undefined);
    assert.deepEqual(elements("<A><A>in</A>", "a").length, 1);
  });

  it("line numbers by binary search", () => {
    const at = lineIndex("a\nb\nc");
    assert.deepEqual([0, 1, 2, 3, 4].map(at), [1, 1, 2, 2, 3]);
  });

  it("a hostile answer file of unclosed tags is read in linear time, and the real password still found", () => {
    // 1 MiB: the old lazy RegExps took 14.6 s on it (0.25 MiB: 1 s); one linear pass takes ~0.1 s.
    // The bound is loose so a busy machine cannot fail it; the old code cannot meet it.
    const junk = "<AutoLogon><Password><Value ".repeat(37_500);
    const text = `${junk}\n<AutoLogon><Password><Value>hunter2</Value><PlainText>true</PlainText></Password><Username>admin</Username></AutoLogon>\n`;
    const started = performance.now();
    const found = parseUnattend(text, "/Windows/Panther/unattend.xml");
    const ms = performance.now() - started;
    assert.ok(ms < 10_000, `${ms} ms`);
    assert.deepEqual(
      found.map((p) => [p.kind, p.secret, p.account, p.line]),
      [["unattend-autologon", "hunter2", "admin", 2]],
    );
  });
});
