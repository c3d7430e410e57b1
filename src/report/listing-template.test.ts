import assert from "node:assert/strict";
import { test } from "node:test";
import { listingOf } from "../../test/support/listing-tester.js";
import { renderListingHtml } from "./listing-template.js";

test("the sharing template's layout, every value escaped, only http(s) links", () => {
  const html = renderListingHtml(
    listingOf({
      description: "<script>x</script>",
      publisher: { name: "Acme & Co", url: "javascript:alert(1)" },
    }),
  );
  for (const part of [
    "<strong>AMI ID: </strong>ami-0123456789abcdef0<br />",
    "<h2>About this AMI</h2>",
    "<li>Published by Acme &amp; Co.</li>",
    "<li>&lt;script&gt;x&lt;/script&gt;</li>",
    "This image contains the following daemons / services:<ul><li>ssh.service</li><li>nginx.service</li></ul>",
    "<li>It listens on: 22/tcp, 443/tcp</li>",
    "<h2>What's New?</h2>",
    "The following changes were made on 2026-03-01.<br />",
  ])
    assert.ok(html.includes(part), part);
  assert.doesNotMatch(html, /javascript:|<script/);
});
