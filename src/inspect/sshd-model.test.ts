import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { memoryImage } from "../../test/support/trees.js";
import { sshdFactsFrom } from "./ssh.js";
import { parseSshdConfig } from "./sshd-config.js";
import { addressMatchList, type SshdConnection } from "./sshd-match.js";

/**
 * What OpenSSH 9.2's sshd does with a configuration, case by case: each row was checked against
 * the rootfs's `sshd -t` / `sshd -T -C` (the differential test, sshd.differential.test.ts, runs
 * the same comparison over random configurations).
 */

const root: SshdConnection = {
  user: "root",
  groups: ["root"],
  host: "admin.example.com",
  address: "10.0.0.5",
  localAddress: "10.0.0.1",
  localPort: 22,
};
const deploy: SshdConnection = { ...root, user: "deploy", groups: ["deploy"], address: "203.0.113.7" };
const bob: SshdConnection = { ...root, user: "bob", groups: ["bob", "admins"], address: "2001:db8::5" };

async function facts(files: Record<string, string>) {
  const tree = Object.fromEntries(Object.entries(files).map(([rel, text]) => [`/etc/ssh/${rel}`, text]));
  return sshdFactsFrom(await parseSshdConfig(memoryImage(tree)), true);
}

interface Row {
  name: string;
  files: Record<string, string>;
  /** keyword → value, per connection. */
  values?: Array<[SshdConnection, string, string]>;
  /** sshd refuses to start: the reason matches. */
  refused?: RegExp;
  /** sshd starts but drops this connection. */
  dropped?: SshdConnection;
}

const ROWS: Row[] = [
  {
    name: "a double-quoted keyword is a keyword",
    files: { sshd_config: '"PasswordAuthentication" no\n' },
    values: [[root, "PasswordAuthentication", "no"]],
  },
  {
    name: "a single-quoted keyword is not",
    files: { sshd_config: "'PasswordAuthentication' no\n" },
    refused: /Bad configuration option: "'PasswordAuthentication'"/,
  },
  {
    name: "a keyword whose double quote never closes is skipped, not refused",
    files: { sshd_config: '"PasswordAuthentication no\n' },
    values: [[root, "PasswordAuthentication", "yes"]],
  },
  {
    name: "a quoted keyword takes no '='",
    files: { sshd_config: '"PasswordAuthentication"=no\n' },
    refused: /unsupported option "=no"/,
  },
  {
    name: "quotes and escapes in arguments (argv_split)",
    files: {
      sshd_config: 'PasswordAuthentication n"o"\nPermitRootLogin \'no\'\nAuthorizedKeysFile "a b" c\\ d\n',
    },
    values: [
      [root, "PasswordAuthentication", "no"],
      [root, "PermitRootLogin", "no"],
      [root, "AuthorizedKeysFile", "a b c d"],
    ],
  },
  {
    name: "AuthenticationMethods inside a Match block gives deploy passwords",
    files: {
      sshd_config: "AuthenticationMethods publickey\nMatch User deploy\n  AuthenticationMethods password\n",
    },
    values: [
      [root, "AuthenticationMethods", "publickey"],
      [deploy, "AuthenticationMethods", "password"],
    ],
  },
  {
    name: "Match all in a file included from inside a Match block applies only where that block does",
    files: {
      sshd_config: "PasswordAuthentication no\nMatch User deploy\n  Include inc/*.conf\n",
      "inc/a.conf": "Match all\n  PasswordAuthentication yes\n",
    },
    values: [
      [root, "PasswordAuthentication", "no"],
      [deploy, "PasswordAuthentication", "yes"],
    ],
  },
  {
    name: "UsePAM inside a Match block: sshd refuses the file",
    files: { sshd_config: "UsePAM no\nMatch User deploy\n  UsePAM yes\n" },
    refused: /Directive 'UsePAM' is not allowed within a Match block/,
  },
  {
    name: "UsePAM after Match all applies to everyone (first value read at start)",
    files: { sshd_config: "Match all\n  UsePAM yes\n" },
    values: [
      [root, "UsePAM", "yes"],
      [deploy, "UsePAM", "yes"],
    ],
  },
  {
    name: "a global-only keyword after Match all in a file included from inside a Match block is refused",
    files: { sshd_config: "Match User bob\n  Include inc/*.conf\n", "inc/a.conf": "Match all\nUsePAM yes\n" },
    refused: /not allowed within a Match block/,
  },
  {
    name: "a UTF-8 byte order mark makes the first keyword unknown",
    files: { sshd_config: "\uFEFFPasswordAuthentication no\n" },
    refused: /byte order mark/,
  },
  {
    name: "AuthenticationMethods that no enabled method satisfies",
    files: { sshd_config: "PasswordAuthentication no\nAuthenticationMethods password\n" },
    refused: /cannot be satisfied/,
  },
  {
    name: "Match all's values count when sshd checks AuthenticationMethods at start",
    files: {
      sshd_config: "Match all\nPasswordAuthentication no\nMatch all\nAuthenticationMethods password\n",
    },
    refused: /cannot be satisfied/,
  },
  {
    name: "an unknown authentication method",
    files: { sshd_config: "AuthenticationMethods Password\n" },
    refused: /invalid AuthenticationMethods method list/,
  },
  {
    name: "any after a method list held at start",
    files: { sshd_config: "AuthenticationMethods publickey\nMatch User q\n  AuthenticationMethods any\n" },
    refused: /"any" must appear alone/,
  },
  {
    name: "any after a method list for one connection drops only that connection",
    files: { sshd_config: "Match User deploy\n  AuthenticationMethods publickey any\n" },
    dropped: deploy,
    values: [[root, "AuthenticationMethods", ""]],
  },
  {
    name: "an unknown keyword",
    files: { sshd_config: "PasswordAuthentcation no\n" },
    refused: /Bad configuration option/,
  },
  {
    name: "a bad value",
    files: { sshd_config: "PermitRootLogin without_password\n" },
    refused: /unsupported option "without_password"/,
  },
  {
    name: "a keyword of a later OpenSSH (9.8's PerSourcePenalties) is taken, not charged",
    files: { sshd_config: "PerSourcePenalties authfail:30s\nPasswordAuthentication no\n" },
    values: [[root, "PasswordAuthentication", "no"]],
  },
  {
    name: "an extra argument",
    files: { sshd_config: "PermitRootLogin no yes\n" },
    refused: /extra arguments/,
  },
  {
    name: "a comment where the value should be",
    files: { sshd_config: "PasswordAuthentication # off\n" },
    refused: /missing argument/,
  },
  {
    name: "AuthorizedKeysCommand takes the rest of the line as written: a comment after none is refused",
    files: { sshd_config: "AuthorizedKeysCommand none # off\n" },
    refused: /must be an absolute path/,
  },
  {
    name: "AuthorizedKeysCommand without AuthorizedKeysCommandUser",
    files: { sshd_config: "AuthorizedKeysCommand /usr/bin/keys %u\n" },
    refused: /set without AuthorizedKeysCommandUser/,
  },
  {
    name: "a subsystem defined twice",
    files: { sshd_config: "Subsystem sftp internal-sftp\nSubsystem sftp /usr/lib/openssh/sftp-server\n" },
    refused: /Subsystem 'sftp' already defined/,
  },
  {
    name: "Match criteria sshd rejects: a host part in a CIDR mask",
    files: { sshd_config: "Match Address 10.0.0.1/8\n" },
    refused: /Invalid Match address/,
  },
  {
    name: "Match all with another criterion",
    files: { sshd_config: "Match all User root\n" },
    refused: /'all' cannot be combined/,
  },
  {
    name: "DSAAuthentication, an old name of PubkeyAuthentication, is global-only",
    files: { sshd_config: "Match User bob\n  DSAAuthentication no\n" },
    refused: /not allowed within a Match block/,
  },
  {
    name: "ChallengeResponseAuthentication, an old name of KbdInteractiveAuthentication, is not",
    files: { sshd_config: "Match User bob\n  ChallengeResponseAuthentication no\n" },
    values: [
      [bob, "KbdInteractiveAuthentication", "no"],
      [root, "KbdInteractiveAuthentication", "yes"],
    ],
  },
  {
    name: "an included directory reads as an empty file",
    files: { sshd_config: "Include sub\nPermitRootLogin no\n", "sub/x": "PermitRootLogin yes\n" },
    values: [[root, "PermitRootLogin", "no"]],
  },
  {
    name: "a drop-in that includes its own directory: the pattern's cached files are read, not globbed again",
    files: {
      sshd_config: "Include sshd_config.d/*.conf\n",
      "sshd_config.d/10-a.conf": "PermitRootLogin no\n",
      "sshd_config.d/20-copy.conf": "Include sshd_config.d/*.conf\nPasswordAuthentication no\n",
    },
    // At start the copy reads 10-a.conf again; per connection the cache holds the copy too, which
    // then includes itself until sshd gives up: every connection is dropped.
    dropped: root,
  },
  {
    name: "Match Group, Address CIDR and negation, Host case",
    files: {
      sshd_config: [
        "Match Group admins",
        "  PermitRootLogin no",
        "Match Address 10.0.0.0/8,!10.0.0.6",
        "  PasswordAuthentication no",
        "Match Host ADMIN.example.com",
        "  KbdInteractiveAuthentication no",
        "",
      ].join("\n"),
    },
    values: [
      [bob, "PermitRootLogin", "no"],
      [root, "PermitRootLogin", "prohibit-password"],
      [bob, "PasswordAuthentication", "yes"],
      [root, "PasswordAuthentication", "no"],
      [root, "KbdInteractiveAuthentication", "no"],
    ],
  },
];

describe("sshd model: what OpenSSH 9.2 does", () => {
  for (const row of ROWS)
    it(row.name, async () => {
      const f = await facts(row.files);
      if (row.refused) {
        assert.ok(f.refused, "sshd refuses this configuration; the model says it starts");
        assert.match(f.refused.reason, row.refused);
        return;
      }
      assert.equal(f.refused, undefined, `refused: ${f.refused?.reason}`);
      if (row.dropped) assert.ok(f.connectionError(row.dropped), "sshd drops this connection");
      for (const [conn, keyword, value] of row.values ?? []) {
        if (f.connectionError(conn)) continue;
        assert.equal(
          f.forConnection(keyword, conn)?.value ?? "",
          value,
          `${keyword} for ${conn.user}@${conn.address}`,
        );
      }
    });

  it("matches addresses like addr_match_list", () => {
    const rows: Array<[string | undefined, string, number]> = [
      ["10.0.0.5", "10.0.0.0/8", 1],
      ["10.0.0.5", "10.0.0.0/8,!10.0.0.5", -1],
      ["10.0.0.5", "10.1", 0],
      // inet_aton forms, as getaddrinfo reads numeric hosts: "10.1" is 10.0.0.1, "012" is octal.
      ["10.0.0.1", "10.1", 1],
      ["10.0.0.1", "012.0.0.1", 1],
      ["0.0.0.10", "10", 1],
      ["2001:db8::5", "2001:db8::/32", 1],
      ["2001:db8::5", "0.0.0.0/0", 0],
      ["192.168.1.20", "192.168.1.*", 1],
      ["10.0.0.5", "10.0.0.1/8", -2],
      ["10.0.0.5", "10.0.0.0/33", -2],
      ["10.0.0.5", "a,,b", -2],
      [undefined, "10.0.0.0/8,*", 0],
      ["not-an-address", "*", 0],
    ];
    for (const [addr, list, want] of rows)
      assert.equal(addressMatchList(addr, list), want, `${addr} ~ ${list}`);
  });
});
