import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { seededRandom } from "../../test/support/sshd-config-generator.js";
import { KEYS, prescan, TOKENS } from "./literal-prescan.js";
import { KEY_BEGIN, LITERALS, type SecretKind, TOKEN_PATTERNS } from "./secret-patterns.js";
import { TEDDY_WINDOW, Teddy } from "./teddy.js";

const B40 = "wJalrXUtnFEMIK7MDENGbPxRfiCYzzzzzzzzzzzz";
/** One real-shaped match of every token kind; a kind added to TOKEN_PATTERNS needs one here. */
const TOKEN_SAMPLES: Record<SecretKind, string[]> = {
  "aws-access-key-id": [
    "AKIAQWERTYUIOPASDFGH",
    "ASIAQWERTYUIOPASDFGH",
    "A3TXQWERTYUIOPASDFGH",
    "ABIAQWERTYUIOPASDFGH",
    "ACCAQWERTYUIOPASDFGH",
  ],
  "aws-secret-access-key": [
    `aws_secret_access_key = ${B40}`,
    `"SecretAccessKey": "${B40}"`,
    `AWS_SECRET_KEY=${B40}`,
  ],
  "aws-session-token": [
    `aws_session_token=${"Q".repeat(120)}`,
    `"SessionToken": "${"Q".repeat(120)}"`,
    `session-token: ${"Q".repeat(120)}`,
  ],
  "github-token": ["ghp_", "gho_", "ghu_", "ghs_", "ghr_"]
    .map((p) => `${p}${"a".repeat(36)}`)
    .concat(`github_pat_${"a".repeat(82)}`),
  "gitlab-token": [`glpat-${"a".repeat(20)}`],
  "slack-token": ["xoxb", "xoxp", "xoxa", "xoxr", "xoxs"].map((p) => `${p}-123456-abcdefgh`),
  "slack-webhook": ["https://hooks.slack.com/services/T0000000/B0000000/abcdefghijklmnopqrstuvwx"],
  "google-api-key": [`AIza${"b".repeat(35)}`],
  "stripe-live-key": [`sk_live_${"c".repeat(24)}`, `rk_live_${"c".repeat(24)}`],
  "npm-token": [`npm_${"d".repeat(36)}`],
};
const KEY_SAMPLES = [
  "-----BEGIN RSA PRIVATE KEY-----",
  "-----BEGIN PRIVATE KEY-----",
  "-----BEGIN OPENSSH PRIVATE KEY-----",
  "-----BEGIN ENCRYPTED PRIVATE KEY-----",
  "-----BEGIN PGP PRIVATE KEY BLOCK-----",
  "---- BEGIN SSH2 ENCRYPTED PRIVATE KEY ----",
  "PuTTY-User-Key-File-3: ssh-ed25519",
];
const SAMPLES: Array<[string, number]> = [
  ...Object.values(TOKEN_SAMPLES).flatMap((list) => list.map((s): [string, number] => [s, TOKENS])),
  ...KEY_SAMPLES.map((s): [string, number] => [s, KEYS]),
];

function lineCount(text: string): number {
  let n = 0;
  for (const c of text) if (c === "\n") n++;
  return n;
}

/** What the literals say exactly: each confirming regex, searched anywhere. */
function literalFamilies(text: string): number {
  let families = 0;
  for (const l of LITERALS) {
    const anywhere = new RegExp(l.verify.source, l.verify.flags.replace("y", ""));
    if (anywhere.test(text)) families |= l.family === "tokens" ? TOKENS : KEYS;
  }
  return families;
}

describe("literal prescan", () => {
  it("has a sample of every token kind, each a real match of its pattern", () => {
    assert.deepEqual(new Set(Object.keys(TOKEN_SAMPLES)), new Set(TOKEN_PATTERNS.map((p) => p.kind)));
    for (const [kind, samples] of Object.entries(TOKEN_SAMPLES))
      for (const sample of samples) {
        const found = TOKEN_PATTERNS.filter((p) => p.kind === kind).some((p) => {
          p.regex.lastIndex = 0;
          return p.regex.test(` ${sample} `);
        });
        assert.ok(found, `${kind} sample ${sample} is not matched by its pattern`);
      }
    for (const sample of KEY_SAMPLES) {
      KEY_BEGIN.lastIndex = 0;
      assert.ok(KEY_BEGIN.test(sample), `${sample} is not a KEY_BEGIN match`);
    }
  });

  it("runs with WebAssembly SIMD here (the JS path is what runs where it is missing)", () => {
    assert.ok(Teddy.create([["abc"]]) !== undefined, "no WebAssembly SIMD in this Node");
  });

  for (const js of [false, true])
    it(`finds every sample at the start, the end and across window edges (${js ? "JS" : "SIMD"})`, () => {
      const filler = "the quick brown fox; ".repeat(Math.ceil((TEDDY_WINDOW + 64) / 21));
      for (const [sample, family] of SAMPLES) {
        const texts = [
          sample,
          `x\n${sample}`,
          `${sample}\n`,
          `${filler.slice(0, 5000)}${sample} ${filler.slice(0, 300)}`,
        ];
        // Every cut of the sample by the first window's end, and one in the third window.
        for (let k = 0; k <= sample.length; k++)
          texts.push(`${filler.slice(0, TEDDY_WINDOW - k)}${sample}\n`);
        texts.push(`${filler}${filler}${filler.slice(0, 100)}${sample}`);
        for (const text of texts) {
          for (const subject of [text, Buffer.from(text, "latin1")]) {
            const got = prescan(subject, true, js);
            const what = `${typeof subject === "string" ? "text" : "bytes"}: ${sample} at ${text.indexOf(sample)} of ${text.length}`;
            assert.equal(got.families & family, family, what);
            assert.equal(got.lines, lineCount(text), `lines of a ${text.length}-byte text`);
          }
        }
      }
    });

  it("says exactly what the literals' regexes say, on 3,000 seeded texts of near misses", () => {
    const pieces = [
      ...SAMPLES.map(([s]) => s),
      ...LITERALS.map((l) => l.fingerprint),
      "akia",
      "Akia",
      "AKI A",
      "Ghp_",
      "session token=",
      "sessiontok",
      "SECRET",
      "secre",
      "private key",
      "PRIVATE  KEY",
      "PuTTY-user",
      "hooks.slac",
      "sk_live",
      "npm",
      "xoxz-",
      "token",
      "ecret",
      "\n",
      "\r\n",
      " ",
      "é",
      "\u00ff",
      "function(a,b){return a+b}",
      "the quick brown fox",
    ];
    const next = seededRandom(2207);
    let positives = 0;
    for (let t = 0; t < 3000; t++) {
      let text = "";
      const parts = 1 + Math.floor(next() * 40);
      for (let p = 0; p < parts; p++) {
        const piece = pieces[Math.floor(next() * pieces.length)]!;
        // Cut pieces too, so literals appear in part.
        text += next() < 0.3 ? piece.slice(0, Math.floor(next() * piece.length)) : piece;
      }
      if (next() < 0.05) text = "z".repeat(TEDDY_WINDOW - Math.floor(next() * 40)) + text;
      const want = literalFamilies(text);
      if (want) positives++;
      const got = prescan(text);
      assert.equal(got.families, want, `families of ${JSON.stringify(text.slice(-200))}`);
      assert.equal(got.lines, lineCount(text));
      // The same text as bytes, before it is decoded: the same answer.
      const bytes = prescan(Buffer.from(text, "latin1"));
      assert.equal(bytes.families, want, `families of the bytes of ${JSON.stringify(text.slice(-200))}`);
      assert.equal(bytes.lines, got.lines);
      // The JS path's prefilter is looser (session.?token), never narrower.
      assert.equal(prescan(text, true, true).families & want, want);
    }
    assert.ok(positives > 500 && positives < 2900, `${positives} of 3000 texts hold a literal`);
  });

  it("scans everything when a window has too many candidates to list", () => {
    const text = "KIA".repeat(TEDDY_WINDOW / 3 + 10);
    const got = prescan(`${text}\n`);
    assert.equal(got.families, TOKENS | KEYS);
    assert.equal(got.lines, 1);
  });
});
