import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { sshKeygen } from "../../test/support/keygen.js";
import { debianImage } from "../../test/support/trees.js";
import { FactStore, type Inspector } from "./context.js";
import type { FactName } from "./facts.js";
import { inspectorsByName } from "./registry.js";
import type { SshdFacts } from "./ssh.js";

const conditional = {
  keyword: "AuthorizedKeysCommand",
  value: "/opt/vendor/keys %u",
  args: ["/opt/vendor/keys", "%u"],
  match: "User support",
  path: "/etc/ssh/sshd_config",
  line: 50,
  isDefault: false,
  chain: [],
};

/** The sshd fact as an sshd_config with these settings would give it (the sshd inspector is tested on its own). */
function sshdWith(
  settings: Record<string, string>,
  keysFiles: (u: { name: string; home: string }) => string[],
): Inspector<"sshd"> {
  // Built as a plain object first so it fits both the sshd contract and its later extensions.
  const built = {
    installed: true,
    files: ["/etc/ssh/sshd_config"],
    get: (keyword: string) => {
      const entry = Object.entries(settings).find(([k]) => k.toLowerCase() === keyword.toLowerCase());
      if (!entry) return undefined;
      const [name, value] = entry;
      return {
        keyword: name,
        value,
        args: value.split(" "),
        path: "/etc/ssh/sshd_config",
        line: 40,
        isDefault: false,
      };
    },
    all: () => [],
    conditional: [conditional],
    forConnection: () => undefined,
    connectionError: () => undefined,
    connections: [],
    authorizedKeysFiles: keysFiles,
  };
  const facts: SshdFacts = built;
  return { name: "sshd", description: "test", paths: [], inspect: async () => facts };
}

describe("authorizedKeys inspector", () => {
  const key = sshKeygen("ed25519", { comment: "ops" });

  it("reads the AuthorizedKeysFile locations sshd uses, marks non-default ones, and lists AuthorizedKeysCommand", async () => {
    const image = debianImage({
      "/etc/ssh/authorized_keys/admin": key.publicKey,
      "/home/admin/.ssh/authorized_keys": key.publicKey,
    });
    const inspectors = new Map(inspectorsByName);
    inspectors.set(
      "sshd",
      sshdWith(
        { AuthorizedKeysCommand: "/usr/local/bin/fetch-keys %u", AuthorizedKeysCommandUser: "nobody" },
        (u) => [`/etc/ssh/authorized_keys/${u.name}`],
      ) as Inspector<FactName>,
    );
    const facts = await new FactStore(image, inspectors).get("authorizedKeys");
    assert.deepEqual(
      facts.files.map((f) => [f.path, f.users, f.defaultLocation, f.keys.map((k) => k.fingerprint)]),
      [
        ["/etc/ssh/authorized_keys/admin", ["admin"], false, [key.fingerprint]],
        // No longer read by sshd under this AuthorizedKeysFile, but still shipped.
        ["/home/admin/.ssh/authorized_keys", [], false, [key.fingerprint]],
      ],
    );
    assert.deepEqual(facts.commands, [
      { command: "/usr/local/bin/fetch-keys %u", user: "nobody", path: "/etc/ssh/sshd_config", line: 40 },
      { command: "/opt/vendor/keys %u", match: "User support", path: "/etc/ssh/sshd_config", line: 50 },
    ]);
  });

  it("groups accounts that share a keys file and covers service accounts' homes", async () => {
    const image = debianImage({
      "/etc/passwd":
        "root:x:0:0:root:/root:/bin/bash\nsvc1:x:990:990::/srv/shared:/usr/sbin/nologin\nsvc2:x:991:991::/srv/shared/:/bin/sh\n",
      "/srv/shared/.ssh/authorized_keys": key.publicKey,
    });
    const facts = await new FactStore(image, inspectorsByName).get("authorizedKeys");
    assert.deepEqual(
      facts.files.map((f) => [f.path, f.users, f.defaultLocation]),
      [["/srv/shared/.ssh/authorized_keys", ["svc1", "svc2"], true]],
    );
    assert.deepEqual(facts.hostKeys, []);
  });
});
