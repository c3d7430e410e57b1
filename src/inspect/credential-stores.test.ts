import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { debianImage } from "../../test/support/trees.js";
import { FactStore } from "./context.js";
import { parseHtpasswd, parseNetrc, parsePgpass, parseUrlCredentials } from "./credential-formats.js";
import { parseDockerAuths, parseGcloudDatabase } from "./credential-formats-structured.js";
import { STORE_SPECS } from "./credential-store-table.js";
import { credentialStoresInspector } from "./credential-stores.js";
import { inspectorsByName } from "./registry.js";

const password = "Rk7vq2Lm9x";

async function storesOf(changes: Parameters<typeof debianImage>[0]) {
  const facts = new FactStore(debianImage(changes), inspectorsByName);
  return { ...(await facts.get("credentialStores")), unknowns: facts.unknowns };
}

describe("credential stores inspector", () => {
  it("declares image-absolute paths, one table entry per store with a home or system location", () => {
    for (const p of credentialStoresInspector.paths) assert.ok(p.startsWith("/"), p);
    for (const s of STORE_SPECS) assert.ok((s.home?.length ?? 0) + (s.system?.length ?? 0) > 0, s.kind);
    const homePaths = STORE_SPECS.flatMap((s) => s.home ?? []);
    assert.equal(new Set(homePaths).size, homePaths.length, "a home path is listed twice");
  });

  it("names a store reached through a symlinked folder by its canonical path, and a symlinked store as the link", async () => {
    const { stores } = await storesOf({
      "/srv/dotfiles/netrc": `machine a.example.com login u password ${password}\n`,
      "/root/.netrc": { type: "symlink", target: "/srv/dotfiles/netrc" },
      "/data/admin-docker/config.json": `{"auths": {"r.example.com": {"auth": "${Buffer.from(`u:${password}`).toString("base64")}"}}}`,
      "/home/admin/.docker": { type: "symlink", target: "/data/admin-docker" },
    });
    assert.deepEqual(
      stores.map((s) => [s.path, s.users]),
      [
        ["/data/admin-docker/config.json", ["admin"]],
        ["/root/.netrc", ["root"]],
      ],
    );
  });

  it("records what it cannot read as unknowns and goes on: bad JSON, bad YAML, a database that is not one, a FIFO", async () => {
    const { stores, unknowns } = await storesOf({
      "/root/.docker/config.json": '{"auths": {',
      "/root/.kube/config": "users: [unclosed\n",
      "/root/.config/gcloud/credentials.db": "SQLite format 3\u0000 but not really",
      "/root/.netrc": { type: "fifo" },
      "/home/admin/.pgpass": `db:5432:*:app:${password}\n`,
    });
    assert.deepEqual(
      stores.map((s) => s.path),
      ["/home/admin/.pgpass"],
    );
    assert.deepEqual(unknowns.map((u) => u.path).sort(), [
      "/root/.config/gcloud/credentials.db",
      "/root/.docker/config.json",
      "/root/.kube/config",
    ]);
    assert.ok(unknowns.every((u) => u.source === "credentialStores"));
  });

  it("finds basic-auth files a web server's configuration names, relative paths from its root", async () => {
    const { stores } = await storesOf({
      "/etc/apache2/sites-enabled/000-default.conf":
        '<Location /admin>\n  AuthUserFile "conf/admins"\n</Location>\n',
      "/etc/apache2/conf/admins": "ops:$2y$05$abcdefghijklmnopqrstuuQ1Jb3Rx1qK2t3YyZ6Jm4uU8oE5C2a\n",
    });
    assert.deepEqual(
      stores.map((s) => [s.path, s.removable, s.evidence.startsWith("password hash of ops $2y$")]),
      [["/etc/apache2/conf/admins", false, true]],
    );
  });
});

describe("credential store formats", () => {
  it("netrc: tokens across lines, macdef bodies skipped, account counts as a secret", () => {
    const hits = parseNetrc(
      `machine a\nlogin u\npassword p1-secret\nmacdef init\npassword not-a-token\n\ndefault login anonymous account acct-secret\n`,
    );
    assert.deepEqual(
      hits.map((h) => [h.field, h.value, h.line]),
      [
        ["password", "p1-secret", 3],
        ["account", "acct-secret", 7],
      ],
    );
  });

  it("pgpass: escaped colons and backslashes, comments", () => {
    const hits = parsePgpass("# c\nh\\:x:5432:db:u:pa\\:ss\\\\w\nbad:line\n");
    assert.deepEqual(
      hits.map((h) => [h.field, h.value, h.line]),
      [["password of u@h:x", "pa:ss\\w", 2]],
    );
  });

  it("URL credentials are percent-decoded; a URL with only a user has none", () => {
    assert.deepEqual(
      parseUrlCredentials("https://u:p%40ss%2Fw0rd@h.example.com\nhttps://u@h.example.com\n").map(
        (h) => h.value,
      ),
      ["p@ss/w0rd"],
    );
  });

  it("docker: auth is base64 of user:password; a token without a colon is taken whole", () => {
    const auth = Buffer.from(`deploy:${password}`).toString("base64");
    const hits = parseDockerAuths(
      JSON.stringify({
        auths: { a: { auth }, b: { auth: "bm9jb2xvbg==" }, c: { identitytoken: "tok-123456" } },
      }),
    );
    assert.deepEqual(
      hits.map((h) => [h.field, h.value]),
      [
        ["auth for a", password],
        ["auth for b", "bm9jb2xvbg=="],
        ["identitytoken for c", "tok-123456"],
      ],
    );
  });

  it("htpasswd: locked and empty entries are not passwords; htdigest takes the hash after the realm", () => {
    const hits = parseHtpasswd(
      "a:\nb:!locked\nc:*\nd:realm:0123456789abcdef0123456789abcdef\ne:{PLAIN}plainpw\n",
    );
    assert.deepEqual(
      hits.map((h) => [h.field, h.value]),
      [
        ["password hash of d", "0123456789abcdef0123456789abcdef"],
        ["password hash of e", "plainpw"],
      ],
    );
  });

  it("a gcloud database that is not SQLite is a typed error, an empty file no store", async () => {
    assert.deepEqual(await parseGcloudDatabase(Buffer.alloc(0)), []);
    await assert.rejects(parseGcloudDatabase(Buffer.from("not a database at all, not at all")), {
      code: "SQLITE_NOTADB",
    });
  });
});
