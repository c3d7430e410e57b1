import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  ALNUM,
  BASE64_CHARS,
  fakeToken,
  hasPuttygen,
  opensslKey,
  puttyKey,
  sshKeygen,
} from "../../test/support/keygen.js";
import type { CredentialScan } from "./config-credentials.js";
import {
  emptySink,
  PiecewiseText,
  type ScanSink,
  TextScanner,
  type TextScanOptions,
} from "./content-scan.js";
import { expectedKeyAt, isNoisePath } from "./secret-patterns.js";

/**
 * Scans `text` cut into chunks at every `every`-th line break (as the streaming reader cuts), as
 * text and as bytes (TextScanner.chunkBytes, which decodes only what a search may find something
 * in): both must find the same.
 */
function scan(text: string, every = 0, endpoints = false, credentials?: CredentialScan): ScanSink {
  const sinks = [false, true].map((bytes) => {
    const sink = emptySink();
    const scanner = new TextScanner("/x", sink, { endpoints, ...(credentials ? { credentials } : {}) });
    const feed = (chunk: string) =>
      bytes ? scanner.chunkBytes(Buffer.from(chunk, "latin1")) : scanner.chunk(chunk);
    if (every === 0) feed(text);
    else {
      const lines = text.split(/(?<=\n)/);
      for (let i = 0; i < lines.length; i += every) feed(lines.slice(i, i + every).join(""));
    }
    scanner.finish();
    return sink;
  });
  assert.deepEqual(sinks[1], sinks[0], "chunkBytes found what chunk found");
  return sinks[0]!;
}

const keys = () => [
  { text: opensslKey("rsa-pkcs1"), label: "RSA PRIVATE KEY", encrypted: false },
  { text: opensslKey("ec"), label: "EC PRIVATE KEY", encrypted: false },
  { text: opensslKey("pkcs8"), label: "PRIVATE KEY", encrypted: false },
  { text: opensslKey("pkcs8-encrypted"), label: "ENCRYPTED PRIVATE KEY", encrypted: true },
  { text: sshKeygen("ed25519").privateKey, label: "OPENSSH PRIVATE KEY", encrypted: false },
  {
    text: sshKeygen("ecdsa", { passphrase: "correct horse" }).privateKey,
    label: "OPENSSH PRIVATE KEY",
    encrypted: true,
  },
];

describe("content scanner: private keys", () => {
  it("finds every PEM and OpenSSH form the tools write, with its line and encryption", () => {
    const all = keys();
    let text = "";
    const want: Array<[number, string, boolean]> = [];
    for (const k of all) {
      text += "some: config\n\n";
      want.push([text.split("\n").length, k.label, k.encrypted]);
      text += k.text;
    }
    for (const every of [0, 1, 3, 7]) {
      const found = scan(text, every).privateKeys.map((p) => [p.line, p.label, p.encrypted]);
      assert.deepEqual(found, want, `chunked every ${every} lines`);
    }
  });

  it("finds PuTTY keys (format 3), plain and encrypted", {
    skip: !hasPuttygen() && "puttygen not installed",
  }, () => {
    const found = scan(`${puttyKey()}\n${puttyKey("pw")}`).privateKeys;
    assert.deepEqual(
      found.map((p) => [p.line, p.label, p.encrypted]),
      [
        [1, "PuTTY ssh-ed25519", false],
        [found[1]!.line, "PuTTY ssh-ed25519", true],
      ],
    );
    assert.ok(found[1]!.line > 5);
  });

  it("finds a key embedded in a JSON string with \\n escapes (GCP service-account style)", () => {
    const pem = opensslKey("pkcs8").trim().replaceAll("\n", "\\n");
    const json = `{\n  "type": "service_account",\n  "private_key": "${pem}\\n",\n  "client_email": "x@y"\n}\n`;
    assert.deepEqual(
      scan(json).privateKeys.map((p) => [p.line, p.label]),
      [[3, "PRIVATE KEY"]],
    );
  });

  it("finds an indented key in a YAML block scalar", () => {
    const yaml = `tls:\n  key: |\n${opensslKey("ec")
      .split("\n")
      .map((l) => `    ${l}`)
      .join("\n")}\n`;
    assert.deepEqual(
      scan(yaml).privateKeys.map((p) => [p.line, p.label]),
      [[3, "EC PRIVATE KEY"]],
    );
  });

  it("ignores markers without a key body: code constants, documentation stubs, truncated keys", () => {
    const code =
      '_SK_START = b"-----BEGIN OPENSSH PRIVATE KEY-----"\n_SK_END = b"-----END OPENSSH PRIVATE KEY-----"\n';
    const stub =
      "    -----BEGIN RSA PRIVATE KEY-----\n    MIIBxwIBAAJhAKD0YSHy73nUgysO13XsJmd4fHiFyQ+00R7VVu2iV9Qco\n    ...\n    -----END RSA PRIVATE KEY-----\n";
    const placeholder = "------BEGIN PRIVATE KEY------\n<key data>\n------END PRIVATE KEY-------\n";
    const truncated = opensslKey("ec").split("\n").slice(0, 3).join("\n");
    assert.deepEqual(scan(code + stub + placeholder + truncated).privateKeys, []);
  });
});

describe("content scanner: tokens", () => {
  const akid = fakeToken("AKIA", 16);
  const secret = fakeToken("", 40, BASE64_CHARS, 11);

  it("finds AWS keys in an AWS CLI credentials file with their lines, masked", () => {
    const text = `[default]\naws_access_key_id = ${akid}\naws_secret_access_key = ${secret}\n`;
    const found = scan(text).secrets;
    assert.deepEqual(
      found.map((s) => [s.line, s.kind, s.masked]),
      [
        [2, "aws-access-key-id", `${akid.slice(0, 4)}${"*".repeat(12)} (20 chars)`],
        [3, "aws-secret-access-key", `${secret.slice(0, 4)}${"*".repeat(12)} (40 chars)`],
      ],
    );
    assert.ok(!JSON.stringify(found).includes(akid) && !JSON.stringify(found).includes(secret));
  });

  it("finds the secret by its name in YAML, JSON, env and code forms", () => {
    const forms = [
      `  secret_access_key: ${secret}`,
      `"SecretAccessKey": "${secret}",`,
      `export AWS_SECRET_ACCESS_KEY='${secret}'`,
      `aws_secret_key => "${secret}"`,
    ];
    assert.deepEqual(
      scan(forms.join("\n")).secrets.map((s) => [s.line, s.kind]),
      forms.map((_, i) => [i + 1, "aws-secret-access-key"]),
    );
  });

  it("skips AWS's documented example keys and 40-character values without a secret name", () => {
    const text = `aws_access_key_id=${"AKIAIOSFODNN7"}EXAMPLE\naws_secret_access_key=${"wJalrXUtnFEMI/K7MDENG/bPxRfiCY"}EXAMPLEKEY\nchecksum: ${secret}\nid=${akid}X\n`;
    assert.deepEqual(scan(text).secrets, []);
  });

  it("finds other issuers' tokens", () => {
    const tokens: Array<[string, string]> = [
      [fakeToken("ghp_", 36, ALNUM), "github-token"],
      [fakeToken("github_pat_", 82, ALNUM), "github-token"],
      [fakeToken("glpat-", 20, ALNUM), "gitlab-token"],
      [`xoxb-${fakeToken("", 11, "0123456789")}-${fakeToken("", 24, ALNUM)}`, "slack-token"],
      [fakeToken("AIza", 35, ALNUM), "google-api-key"],
      [fakeToken("sk_live_", 24, ALNUM), "stripe-live-key"],
      [fakeToken("npm_", 36, ALNUM), "npm-token"],
    ];
    const text = tokens.map(([t], i) => `token${i} = "${t}"`).join("\n");
    assert.deepEqual(
      scan(text, 2).secrets.map((s) => [s.line, s.kind]),
      tokens.map(([, kind], i) => [i + 1, kind]),
    );
  });

  it("the prefilter lets through every text a token pattern matches: each token alone, names in any case", () => {
    const session = fakeToken("", 120, BASE64_CHARS, 5);
    const samples: Array<[string, string]> = [
      [`id = ${akid}`, "aws-access-key-id"],
      ...["A3TX", "ASIA", "ABIA", "ACCA"].map((p): [string, string] => [
        `id = ${fakeToken(p, 16)}`,
        "aws-access-key-id",
      ]),
      ...["secret_access_key", "SecretAccessKey", "SECRET-KEY", "sEcReT.AcCeSs.KeY"].map(
        (name): [string, string] => [`${name}: ${secret}`, "aws-secret-access-key"],
      ),
      ...["session_token", "SessionToken", "SESSION-TOKEN", "sEsSiOn.ToKeN"].map((name): [string, string] => [
        `${name} = ${session}`,
        "aws-session-token",
      ]),
      ...["ghp_", "gho_", "ghu_", "ghs_", "ghr_"].map((p): [string, string] => [
        fakeToken(p, 36, ALNUM),
        "github-token",
      ]),
      [fakeToken("github_pat_", 82, ALNUM), "github-token"],
      [fakeToken("glpat-", 20, ALNUM), "gitlab-token"],
      ...["b", "a", "p", "r", "s"].map((c): [string, string] => [
        `xox${c}-${fakeToken("", 11, "0123456789")}-${fakeToken("", 24, ALNUM)}`,
        "slack-token",
      ]),
      [`https://hooks.slack.com/services/T0123456/B0123456/${fakeToken("", 24, ALNUM)}`, "slack-webhook"],
      [fakeToken("AIza", 35, ALNUM), "google-api-key"],
      [fakeToken("sk_live_", 24, ALNUM), "stripe-live-key"],
      [fakeToken("rk_live_", 24, ALNUM), "stripe-live-key"],
      [fakeToken("npm_", 36, ALNUM), "npm-token"],
    ];
    for (const [text, kind] of samples) {
      // Each alone in its chunk: with the others beside it, one token would let all through.
      assert.deepEqual(
        scan(`x\n${text}\n`).secrets.map((m) => m.kind),
        [kind],
        text,
      );
    }
    assert.deepEqual(scan("TZ=Asia/Tokyo\nasia akia\n").secrets, []);
  });

  it("counts lines across chunks", () => {
    const filler = "x\n".repeat(5000);
    const found = scan(`${filler}${fakeToken("ghp_", 36, ALNUM)}\n`, 999).secrets;
    assert.deepEqual(
      found.map((s) => s.line),
      [5001],
    );
  });
});

describe("content scanner: credentials in settings and URLs", () => {
  const config: CredentialScan = { certainty: "config", quotedOnly: false };

  it("finds them with their lines across chunks, only in files read for settings", () => {
    const text = `${"x = 1\n".repeat(300)}DB_PASSWORD=ChunkPw2024\nurl: amqp://svc:Rabb1tPw@mq.internal/\n`;
    for (const every of [0, 1, 7, 301]) {
      const sink = scan(text, every, false, config);
      assert.deepEqual(
        [
          ...sink.configCredentials.map((c) => [c.line, c.setting]),
          ...sink.urlCredentials.map((u) => [u.line, u.url]),
        ],
        [
          [301, "DB_PASSWORD"],
          [302, "amqp://svc:********@mq.internal"],
        ],
        `chunked every ${every} lines`,
      );
    }
    const unread = scan(text);
    assert.deepEqual([unread.configCredentials, unread.urlCredentials], [[], []]);
  });

  it("reports an issuer-shaped token once, as a token", () => {
    const github = fakeToken("ghp_", 36, ALNUM);
    const sink = scan(
      `GITHUB_TOKEN=${github}\nremote = https://ci:${github}@git.internal/app.git\n`,
      0,
      false,
      config,
    );
    assert.deepEqual(
      sink.secrets.map((s) => [s.line, s.kind]),
      [
        [1, "github-token"],
        [2, "github-token"],
      ],
    );
    assert.deepEqual([sink.configCredentials, sink.urlCredentials], [[], []]);
  });
});

describe("content scanner: endpoints and noise", () => {
  it("finds regional AWS endpoints, not global ones", () => {
    const text =
      "ec2_url: https://ec2.us-east-1.amazonaws.com\nbucket: my-b.s3-us-west-2.amazonaws.com/x\nsts: https://sts.amazonaws.com\ngov: ec2.us-gov-west-1.amazonaws.com\n";
    assert.deepEqual(
      scan(text, 0, true).endpoints.map((e) => [e.line, e.host]),
      [
        [1, "ec2.us-east-1.amazonaws.com"],
        [2, "my-b.s3-us-west-2.amazonaws.com"],
        [4, "ec2.us-gov-west-1.amazonaws.com"],
      ],
    );
  });

  it("classifies the places a key is expected", () => {
    assert.equal(expectedKeyAt("/etc/ssh/ssh_host_ed25519_key"), "ssh-host-key");
    assert.equal(expectedKeyAt("/etc/ssh/ssh_host_ed25519_key.pub"), undefined);
    assert.equal(expectedKeyAt("/etc/ssl/private/ssl-cert-snakeoil.key"), "tls-snakeoil");
    assert.equal(expectedKeyAt("/etc/pki/tls/private/localhost.key"), "tls-snakeoil");
    assert.equal(expectedKeyAt("/etc/ssl/private/app.key"), undefined);
  });

  it("treats documentation and language-package tests as noise, application trees not", () => {
    assert.ok(isNoisePath("/usr/share/doc/cloud-init/examples/cloud-config-ssh-keys.txt"));
    assert.ok(isNoisePath("/usr/lib/python3/dist-packages/requests/tests/test_x.py"));
    assert.ok(isNoisePath("/opt/app/node_modules/ssh2/test/fixtures/id_rsa"));
    assert.ok(isNoisePath("/usr/lib/python3.11/test/keycert.pem"));
    assert.ok(
      isNoisePath("/opt/app/venv/lib/python3.11/site-packages/awscli/examples/ec2/create-key-pair.rst"),
    );
    assert.ok(isNoisePath("/srv/web/node_modules/jsonwebtoken/README.md"));
    assert.ok(!isNoisePath("/srv/web/node_modules/app-secrets/keys/prod.pem"));
    assert.ok(!isNoisePath("/opt/app/config/tests.yml"));
    assert.ok(!isNoisePath("/srv/deploy/id_rsa"));
    // Container images' layers on the host are roots of their own: their documentation is too.
    const layer =
      "/var/lib/docker/overlay2/69e65e64fe2e9c951581de71e0ac12db30fb56c758a7467c26b303d88a478d62/diff";
    assert.ok(isNoisePath(`${layer}/usr/share/doc/cloud-init/examples/cloud-config-ssh-keys.txt`));
    assert.ok(isNoisePath(`${layer}/usr/share/man/man1/openssl-req.1ssl.gz`));
    assert.ok(isNoisePath("/var/lib/containers/storage/overlay/abc/diff/usr/share/info/wget.info.gz"));
    assert.ok(
      isNoisePath("/home/ci/.local/share/containers/storage/overlay/abc/merged/usr/share/doc/x/README"),
    );
    assert.ok(
      isNoisePath(
        "/var/lib/containerd/io.containerd.snapshotter.v1.overlayfs/snapshots/12/fs/usr/share/doc/a",
      ),
    );
    assert.ok(!isNoisePath(`${layer}/app/.env`));
    assert.ok(!isNoisePath(`${layer}/root/.aws/credentials`));
    assert.ok(!isNoisePath("/var/lib/docker/volumes/db/_data/usr/share/doc/x"));
    assert.ok(!isNoisePath("/usr/lib/python3/dist-packages/app/settings.py"));
  });
});

function byLine(sink: ScanSink): ScanSink {
  const sorted = emptySink();
  for (const key of Object.keys(sink) as Array<keyof ScanSink>)
    (sorted[key] as unknown[]) = [...(sink[key] as Array<{ line: number }>)].sort(
      (a, b) => a.line - b.line || JSON.stringify(a).localeCompare(JSON.stringify(b)),
    );
  return sorted;
}

/** `text` scanned as one chunk: what a file read in pieces must find. */
function scanWhole(text: string, options: TextScanOptions): ScanSink {
  const sink = emptySink();
  const scanner = new TextScanner("/x", sink, options);
  scanner.chunk(text, true);
  scanner.finish();
  return sink;
}

describe("content scanner: a file read in pieces", () => {
  const github = fakeToken("ghp_", 36, ALNUM);
  const key = opensslKey("ec");
  const filler = (n: number) => "lorem ipsum dolor sit amet, consectetur\n".repeat(n);
  const minified = `var a=${"1,".repeat(40_000)}b="${fakeToken("npm_", 36, ALNUM)}";`;
  const text = [
    filler(900),
    `token: ${github}\n`,
    filler(50),
    key,
    "endpoint = https://sqs.eu-west-1.amazonaws.com/123\n",
    "DB_PASSWORD=PieceWise2024\n",
    minified,
    "\n",
    filler(3),
    `last ${fakeToken("AKIA", 16)}`,
  ].join("");
  const options: TextScanOptions[] = [
    { endpoints: false },
    { endpoints: true },
    { endpoints: false, credentials: { certainty: "config", quotedOnly: false } },
  ];

  it("finds the same, with the same lines, whatever the pieces", () => {
    for (const option of options) {
      const whole = scanWhole(text, option);
      assert.equal(whole.secrets.length, 3, "the whole text's tokens");
      assert.equal(whole.privateKeys.length, 1, "the whole text's key");
      assert.equal(whole.endpoints.length, option.endpoints ? 1 : 0, "the whole text's endpoint");
      assert.equal(whole.configCredentials.length, option.credentials ? 1 : 0, "the whole text's setting");
      const data = Buffer.from(text, "latin1");
      for (const size of [1, 7, 61, 4096, 32 * 1024, 100_000, data.length]) {
        const sink = emptySink();
        const pieces = new PiecewiseText(new TextScanner("/x", sink, option));
        for (let at = 0; at < data.length; at += size) pieces.push(Buffer.from(data.subarray(at, at + size)));
        pieces.end();
        // Within a chunk matches come pattern by pattern; the pass sorts them by line at its end.
        assert.deepEqual(byLine(sink), byLine(whole), `pieces of ${size} bytes, ${JSON.stringify(option)}`);
      }
    }
  });

  it("finds what starts a line after any cut, with its line, through one reused read buffer", () => {
    // A token starts every line (of varied lengths), so whatever line a window ends before starts
    // with one, and a few lines of 14 KB and more hold one in their middle, so pieces end inside them;
    // every piece is read into the same buffer, which is overwritten after each push (a carried
    // line must be a copy).
    const lines: string[] = [];
    for (let i = 0; i < 3000; i++)
      lines.push(
        i % 997 === 0
          ? `${"y".repeat(5000 + i)} ${fakeToken("ghp_", 36, ALNUM)} ${"y".repeat(9000)}`
          : `${fakeToken("ghp_", 36, ALNUM)} ${"x".repeat((i * 37) % 97)}`,
      );
    lines.push(
      `${"k=1,".repeat(100_000)}${fakeToken("ghp_", 36, ALNUM)}`,
      `${"z".repeat(200_000)} ${fakeToken("ghp_", 36, ALNUM)}`,
      fakeToken("ghp_", 36, ALNUM),
    );
    const data = Buffer.from(`${lines.join("\n")}\n`, "latin1");
    const whole = scanWhole(data.toString("latin1"), { endpoints: false });
    assert.equal(whole.secrets.length, lines.filter((l) => l.includes("ghp_")).length, "every token, whole");
    for (const size of [4096, 50_000, 300_000, 1024 * 1024]) {
      const sink = emptySink();
      const piecewise = new TextScanner("/x", sink, { endpoints: false });
      // What is decoded at once stays small whatever the piece (a carried line, and a window).
      let largest = 0;
      const chunkBytes = piecewise.chunkBytes.bind(piecewise);
      piecewise.chunkBytes = (bytes, last) => {
        largest = Math.max(largest, bytes.length);
        chunkBytes(bytes, last);
      };
      const pieces = new PiecewiseText(piecewise);
      const buffer = Buffer.alloc(size);
      for (let at = 0; at < data.length; at += size) {
        const n = data.copy(buffer, 0, at, at + size);
        pieces.push(buffer.subarray(0, n));
        buffer.fill(0x23);
      }
      pieces.end();
      assert.deepEqual(byLine(sink), byLine(whole), `pieces of ${size} bytes`);
      assert.ok(largest <= 96 * 1024, `pieces of ${size} bytes: a chunk of ${largest} bytes`);
    }
  });
});
