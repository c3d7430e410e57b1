/**
 * A listing file rewritten after an edit keeps what its author wrote: each case is a YAML file
 * with comments, one edit, and the exact text expected back.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { parse } from "yaml";
import { applyFieldEdits, parseFieldEdit } from "../policy/listing/edit.js";
import { type Listing, parseListing } from "../policy/listing/listing.js";
import { rewrittenListing } from "./listing-file.js";

const FILE = `# Acme web: the listing we share (kept in git)
imageId: ami-0123456789abcdef0
name: acme-web-1.4.2 # the AMI name
product: acme-web
version: 1.4.2

publisher:
  name: Acme
  url: https://acme.example.com # our site
os: {name: Debian GNU/Linux, version: "12"}
architecture: x86_64
# What customers get:
keyFeatures:
  - TLS by default # since 1.2
  - automatic security updates
description: |
  A hardened web server
  for static sites.
services: [ssh.service, nginx.service]
listeningPorts:
  - 22/tcp
  - {port: 443, protocol: tcp, service: nginx.service}
packages:
  total: 173
  byEcosystem:
    dpkg: 173
usageInstructions: Connect with ssh admin@<instance>.
releaseNotes:
  date: 2026-03-01
  notes:
    - First version of acme-web.
`;

async function edit(text: string, change: (l: Listing) => Listing): Promise<string> {
  const before = parseListing(parse(text));
  return rewrittenListing(text, "yaml", before, change(before));
}

const withEdits =
  (...edits: Array<[text: string, add?: boolean]>) =>
  (l: Listing) =>
    applyFieldEdits(
      l,
      edits.map(([t, add]) => parseFieldEdit(t, add)),
    );

describe("a listing file after an edit", () => {
  const cases: Array<[name: string, change: (l: Listing) => Listing, from: string, to: string]> = [
    [
      "a text keeps its comment",
      withEdits(["name=acme-web-1.4.3"]),
      "name: acme-web-1.4.2 # the AMI name",
      "name: acme-web-1.4.3 # the AMI name",
    ],
    [
      "a nested text keeps its comment",
      withEdits(["publisher.url=https://acme.example.org"]),
      "  url: https://acme.example.com # our site",
      "  url: https://acme.example.org # our site",
    ],
    [
      "a block text stays a block",
      withEdits(["description=A hardened web server.\nNow with HTTP/3."]),
      "  A hardened web server\n  for static sites.\n",
      "  A hardened web server.\n  Now with HTTP/3.\n",
    ],
    [
      "--add appends to the list as written, its items' comments kept",
      withEdits(["keyFeatures=HTTP/3", true]),
      "  - automatic security updates\n",
      "  - automatic security updates\n  - HTTP/3\n",
    ],
    [
      "a port is appended as people write it",
      withEdits(["listeningPorts=443/udp", true]),
      "  - {port: 443, protocol: tcp, service: nginx.service}\n",
      "  - {port: 443, protocol: tcp, service: nginx.service}\n  - 443/udp\n",
    ],
    [
      "--set replaces a list, in its own style",
      withEdits(["services=ssh.service"]),
      "services: [ssh.service, nginx.service]",
      "services: [ssh.service]",
    ],
    [
      "a field the file did not have is added at the end",
      withEdits(["addOnTo=acme-base"]),
      "    - First version of acme-web.\n",
      "    - First version of acme-web.\naddOnTo: acme-base\n",
    ],
    [
      "a listing without package counts drops them",
      (l) => {
        const { packages: _gone, ...rest } = l;
        return rest;
      },
      "packages:\n  total: 173\n  byEcosystem:\n    dpkg: 173\n",
      "",
    ],
  ];
  for (const [name, change, from, to] of cases)
    it(name, async () => {
      assert.ok(FILE.includes(from), `the file has ${JSON.stringify(from)}`);
      assert.equal(await edit(FILE, change), FILE.replace(from, to));
    });

  it("nothing changed: the file comes back as it was", async () => {
    assert.equal(await edit(FILE, (l) => l), FILE);
  });

  it("a JSON file is written whole", async () => {
    const text = JSON.stringify({ name: "a", services: ["x"] });
    const before = parseListing(JSON.parse(text));
    const out = await rewrittenListing(text, "json", before, { ...before, name: "b" });
    assert.equal(JSON.parse(out).name, "b");
    assert.deepEqual(JSON.parse(out).services, ["x"]);
  });
});
