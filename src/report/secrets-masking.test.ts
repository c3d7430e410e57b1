import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { ALNUM, BASE64_CHARS, fakeToken, opensslKey, sshKeygen } from "../../test/support/keygen.js";
import { debianImage } from "../../test/support/trees.js";
import { scan } from "../scan/session.js";
import { REPORT_FORMATS, renderReport } from "./index.js";

describe("reports never carry a full secret", () => {
  it("masks every credential and leaves key bodies out, in every report format", async () => {
    const secrets = {
      keyId: fakeToken("AKIA", 16),
      secret: fakeToken("", 40, BASE64_CHARS, 3),
      github: fakeToken("ghp_", 36, ALNUM),
      stripe: fakeToken("sk_live_", 24, ALNUM, 6),
    };
    const rsa = opensslKey("rsa-pkcs1");
    const hostKey = sshKeygen("ed25519").privateKey;
    const image = debianImage({
      "/root/.aws/credentials": `[default]\naws_access_key_id=${secrets.keyId}\naws_secret_access_key=${secrets.secret}\n`,
      "/srv/app/settings.ini": `github = ${secrets.github}\nstripe = ${secrets.stripe}\naws_access_key_id = ${secrets.keyId}\n`,
      "/srv/deploy/id_rsa": rsa,
      "/etc/ssh/ssh_host_ed25519_key": hostKey,
    });
    const result = await scan({ input: "test", kind: "directory", description: "debian + secrets" }, [
      { root: "/", image },
    ]);
    const rules = new Set(result.findings.map((f) => f.rule));
    for (const id of [
      "aws-credentials",
      "credential-store",
      "secret-tokens",
      "private-key-in-image",
      "ssh-host-keys-present",
    ])
      assert.ok(rules.has(id), id);
    const bodies = [rsa, hostKey].flatMap((k) =>
      k.split("\n").filter((l) => l.length > 20 && !l.startsWith("-----")),
    );
    for (const format of REPORT_FORMATS) {
      const text = renderReport(result, format, { color: false });
      for (const [name, value] of Object.entries(secrets))
        assert.ok(!text.includes(value), `${format} report holds ${name}`);
      for (const line of bodies) assert.ok(!text.includes(line), `${format} report holds a key body line`);
      assert.ok(
        text.includes(`${secrets.keyId.slice(0, 4)}************ (20 chars)`),
        `${format} report shows the masked key id`,
      );
    }
  });
});
