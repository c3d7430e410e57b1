import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  openvpnAuthFileRefs,
  parseOpenvpnAuthFile,
  parseOpenvpnConfig,
  parseRcloneConfig,
  parseRedisConfig,
  parseUnreferencedOpenvpnAuthFile,
  parseWpaSupplicant,
  splitRedisArgs,
} from "./credential-formats-services.js";

const fieldsAndValues = (hits: ReturnType<typeof parseRedisConfig>) =>
  hits.map((h) => [h.field, h.value, h.line]);

describe("service configuration formats", () => {
  it("redis: splits arguments as redis does, refusing unclosed quotes and text glued to a closing quote", () => {
    assert.deepEqual(splitRedisArgs(`requirepass "a b\\x41\\"c"`), ["requirepass", 'a bA"c']);
    assert.deepEqual(splitRedisArgs(String.raw`requirepass 'it\'s'`), ["requirepass", "it's"]);
    assert.deepEqual(splitRedisArgs("requirepass   plain  "), ["requirepass", "plain"]);
    assert.equal(splitRedisArgs(`requirepass "open`), undefined);
    assert.equal(splitRedisArgs(`requirepass "a"b`), undefined);
  });

  it("redis: requirepass, masterauth, sentinel passwords and ACL users; comments, empties and the doc example are not", () => {
    const hash = "a".repeat(63) + "b";
    const text = [
      "# requirepass commented",
      "requirepass foobared",
      'requirepass ""',
      "RequirePass Live-1",
      "masterauth 'Live 2'",
      "sentinel auth-pass mymaster Live-3",
      "sentinel sentinel-pass Live-4",
      `user app on >Live-5 #${hash} ~* +@all`,
      "user ro on nopass ~* +@read",
      'requirepass "unclosed',
    ].join("\n");
    assert.deepEqual(fieldsAndValues(parseRedisConfig(text)), [
      ["requirepass", "Live-1", 4],
      ["masterauth", "Live 2", 5],
      ["sentinel auth-pass of mymaster", "Live-3", 6],
      ["sentinel sentinel-pass", "Live-4", 7],
      ["password of ACL user app", "Live-5", 8],
      ["password hash of ACL user app", hash, 8],
    ]);
    assert.ok(parseRedisConfig(text).every((h) => h.password));
  });

  it("rclone: passwords (obscured), keys and tokens per remote; an encrypted configuration holds none readable", () => {
    const text =
      '[gdrive]\ntype = drive\ntoken = {"access_token":"ya29.x","refresh_token":"1//0g"}\n\n[b2]\ntype = b2\naccount = 00123\nkey = K001secret\n\n[box]\ntype = sftp\n;pass = old\npass = obscured1\n';
    assert.deepEqual(fieldsAndValues(parseRcloneConfig(text)), [
      ["token", '{"access_token":"ya29.x","refresh_token":"1//0g"}', 3],
      ["key", "K001secret", 8],
      ["pass (obscured, reversible)", "obscured1", 13],
    ]);
    assert.deepEqual(
      parseRcloneConfig("# Encrypted rclone configuration File\n\nRCLONE_ENCRYPT_V0:\nQm9ndXM=\n"),
      [],
    );
  });

  it("wpa_supplicant: secrets inside network blocks only, named by the network; ext: references hold none", () => {
    const hex = "0123456789abcdef".repeat(4);
    const text = [
      'psk="global-ignored"',
      "network={",
      '  psk="Pass phrase 1"',
      '  ssid="Home"',
      "}",
      "network={",
      "  ssid=4f6666696365",
      `  psk=${hex}`,
      '  #psk="commented"',
      "}",
      "network={",
      '  ssid="Corp"',
      "  key_mgmt=WPA-EAP",
      "  password=hash:8846f7eaee8fb117ad06bdd830b7586c",
      '  private_key_passwd="keypass"',
      "  wep_key0=ext:wep",
      "}",
      "network={",
      "  password=ext:corp_password",
      '  sae_password="Sae-pass"',
      '  wep_key1="wepkey"',
      "}",
      "cred={",
      '  realm="example.com"',
      '  password="Cred-pass"',
      "}",
      "network={",
      "  mka_cak=0123456789abcdef0123456789abcdef",
    ].join("\n");
    assert.deepEqual(fieldsAndValues(parseWpaSupplicant(text)), [
      ['psk (passphrase) of network "Home"', "Pass phrase 1", 3],
      ["psk (derived key) of network 4f6666696365", hex, 8],
      ['password (NT hash) of network "Corp"', "8846f7eaee8fb117ad06bdd830b7586c", 14],
      ['private_key_passwd of network "Corp"', "keypass", 15],
      ["sae_password", "Sae-pass", 20],
      ["wep_key1", "wepkey", 21],
      ['password of credential "example.com"', "Cred-pass", 25],
      ["mka_cak", "0123456789abcdef0123456789abcdef", 28],
    ]);
  });

  it("OpenVPN: inline blocks, the files auth-user-pass names (quoted, with --), and the auth file's two lines", () => {
    const config =
      'client\n# auth-user-pass /commented\n;auth-user-pass /also-commented\nauth-user-pass "/etc/openvpn/my login"\n--auth-user-pass rel\nauth-user-pass\nauth-user-pass stdin\n<auth-user-pass>\nbob\npass word\n</auth-user-pass>\n';
    assert.deepEqual(openvpnAuthFileRefs(config), ["/etc/openvpn/my login", "rel"]);
    assert.deepEqual(fieldsAndValues(parseOpenvpnConfig(config)), [["password of bob", "pass word", 10]]);
    assert.deepEqual(fieldsAndValues(parseOpenvpnAuthFile("bob\r\npass word\r\n")), [
      ["password of bob", "pass word", 2],
    ]);
    assert.deepEqual(parseOpenvpnAuthFile("bob\n"), []);
    assert.deepEqual(parseOpenvpnAuthFile("bob\n\n"), []);
  });

  it("OpenVPN: a file no configuration names counts only in the auth file's exact shape", () => {
    assert.equal(parseUnreferencedOpenvpnAuthFile("vpnuser\nS3cret-pw\n").length, 1);
    for (const text of [
      "vpnuser\nS3cret pw\n",
      "#!/bin/sh\nexit 0\n",
      "one line\n",
      "a\nb\nc\n",
      "-----BEGIN X-----\nabc\n",
      "<ca>\nabc\n",
    ])
      assert.deepEqual(parseUnreferencedOpenvpnAuthFile(text), [], text);
  });
});
