import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { compilePathGlob, compileWildcard, type WildcardSyntax } from "./wildcard.js";

const EC2: WildcardSyntax = { escapes: true };
const FNMATCH: WildcardSyntax = { classes: true, wildcardExcludes: "/", explicitDot: true };
const SSH: WildcardSyntax = { wildcardExcludes: "\n\r\u2028\u2029" };

/** [pattern, text, matches] */
type Row = [string, string, boolean];

function table(syntax: WildcardSyntax, rows: Row[]) {
  for (const [pattern, text, want] of rows)
    assert.equal(
      compileWildcard(pattern, syntax).test(text),
      want,
      `${JSON.stringify(pattern)} ~ ${JSON.stringify(text)}`,
    );
}

describe("compileWildcard", () => {
  it("stars and ? (no syntax switched on)", () => {
    table({}, [
      ["", "", true],
      ["", "a", false],
      ["*", "", true],
      ["*", "anything at all\n", true],
      ["a*", "a", true],
      ["a*", "ba", false],
      ["*a", "ba", true],
      ["*a", "ab", false],
      ["a*b*c", "abc", true],
      ["a*b*c", "aXbYc", true],
      ["a*b*c", "aXbYcZ", false],
      ["a*b*c", "acb", false],
      ["**a**", "xax", true],
      ["?", "", false],
      ["?", "a", true],
      ["?", "ab", false],
      ["a?c", "abc", true],
      ["a?c", "ac", false],
      ["*?", "", false],
      ["*?", "a", true],
      ["?*?", "ab", true],
      ["?*?", "a", false],
      // Literal text: RegExp metacharacters, backslashes and brackets mean themselves.
      ["a.b", "a.b", true],
      ["a.b", "axb", false],
      ["(a|b)+$", "(a|b)+$", true],
      ["a\\*", "a\\xyz", true],
      ["[ab]", "[ab]", true],
      ["[ab]", "a", false],
      // Case-sensitive; one UTF-16 code unit per "?".
      ["ABC", "abc", false],
      ["?", "é", true],
      ["?", "😀", false],
      ["??", "😀", true],
    ]);
  });

  it("backslash escapes (EC2 filter values)", () => {
    table(EC2, [
      ["a\\*", "a*", true],
      ["a\\*", "ab", false],
      ["a\\?", "a?", true],
      ["a\\?", "ab", false],
      ["a\\\\", "a\\", true],
      ["a\\b", "ab", true],
      ["a\\", "a\\", true],
      ["\\**", "*xyz", true],
      ["\\**", "xyz", false],
      ["ubuntu/images/*-22.04-amd64-*", "ubuntu/images/hvm-ssd-22.04-amd64-server-20240101", true],
      ["ubuntu/images/*-22.04-amd64-*", "ubuntu/images/hvm-ssd-24.04-amd64-server-20240101", false],
      ["*", "with\nnewline", true],
      ["a/*", "a/b/c", true],
    ]);
  });

  it("classes, negation and ranges (fnmatch)", () => {
    table(FNMATCH, [
      ["[abc]", "b", true],
      ["[abc]", "d", false],
      ["[a-c]x", "bx", true],
      ["[a-c]x", "dx", false],
      ["[!a-c]", "d", true],
      ["[!a-c]", "b", false],
      ["[^a-c]", "d", true],
      ["[^a-c]", "a", false],
      ["[]a]", "]", true],
      ["[]a]", "a", true],
      ["[]a]", "b", false],
      ["[a-]", "-", true],
      ["[-a]", "-", true],
      ["[a-c-e]", "-", true],
      ["[a-c-e]", "d", false],
      ["[\\]", "\\", true],
      ["[a^]", "^", true],
      ["[", "[", true],
      ["[a", "[a", true],
      ["[]", "[]", true],
      ["[!]", "x", true],
      ["[!]", "/", true],
      ["[c-a]", "b", false],
      ["[0-5]?-*", "50-x", true],
      ["[!0-5]*", "50-x", false],
      ["*.conf", "50-cloud-init.conf", true],
      ["*.conf", "x.conf.bak", false],
    ]);
  });

  it("a leading dot is matched only by a pattern starting with a literal dot (fnmatch)", () => {
    table(FNMATCH, [
      ["*.conf", ".hidden.conf", false],
      ["*.conf", ".conf", false],
      ["?conf", ".conf", false],
      ["[.]conf", ".conf", false],
      [".*", ".conf", true],
      [".conf", ".conf", true],
      ["*", "a.conf", true],
    ]);
    table({}, [["*.conf", ".hidden.conf", true]]);
  });

  it("wildcardExcludes: * and ? do not match those characters, literals and classes do", () => {
    table(FNMATCH, [
      ["*", "a/b", false],
      ["a?b", "a/b", false],
      ["a/b", "a/b", true],
      ["a[/]b", "a/b", true],
      ["*/*", "a/b", true],
    ]);
    table(SSH, [
      ["*", "root", true],
      ["r*", "r\nx", false],
      ["r?x", "r\rx", false],
      ["r*", "r/x", true],
    ]);
  });

  it("agrees with the RegExp translations it replaced on random short patterns", () => {
    // The former translations (EC2 filters, sshd Include globs, sshd Match User lists).
    const ec2 = (p: string) => {
      let src = "";
      for (let i = 0; i < p.length; i++) {
        const c = p[i]!;
        if (c === "\\" && i + 1 < p.length) src += p[++i]!.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
        else if (c === "*") src += "[\\s\\S]*";
        else if (c === "?") src += "[\\s\\S]";
        else src += c.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&");
      }
      return new RegExp(`^${src}$`);
    };
    const fnmatch = (p: string) => {
      let re = "";
      for (let i = 0; i < p.length; i++) {
        const c = p[i]!;
        if (c === "*") re += "[^/]*";
        else if (c === "?") re += "[^/]";
        else if (c === "[") {
          const end = p.indexOf("]", i + 2);
          if (end < 0) {
            re += "\\[";
            continue;
          }
          let body = p.slice(i + 1, end);
          const negate = body.startsWith("!") || body.startsWith("^");
          if (negate) body = body.slice(1);
          re += `[${negate ? "^" : ""}${body.replace(/[\\\]^]/g, "\\$&")}]`;
          i = end;
        } else re += c.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&");
      }
      return new RegExp(`^${p.startsWith(".") ? "" : "(?!\\.)"}${re}$`);
    };
    const ssh = (p: string) =>
      new RegExp(
        `^${p
          .replace(/[.+^${}()|[\]\\/]/g, "\\$&")
          .replace(/\*/g, ".*")
          .replace(/\?/g, ".")}$`,
      );
    let seed = 13;
    const rand = (n: number) => {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      return seed % n;
    };
    const word = (alphabet: string, max: number) => {
      let s = "";
      for (let k = rand(max + 1); k > 0; k--) s += alphabet[rand(alphabet.length)]!;
      return s;
    };
    const cases: Array<[WildcardSyntax, (p: string) => RegExp, string, string]> = [
      [EC2, ec2, "ab*?\\.[]/", "ab*?\\.[]/\n"],
      [FNMATCH, fnmatch, "abc*?[]!^-.\\/", "abc.-!^]\\/\n"],
      [SSH, ssh, "ab*?.[\\/", "ab.[\\/\n\r"],
    ];
    let compared = 0;
    for (const [syntax, old, patternChars, textChars] of cases)
      for (let n = 0; n < 3000; n++) {
        const pattern = word(patternChars, 7);
        let re: RegExp;
        try {
          re = old(pattern);
        } catch {
          continue; // an out-of-order range was a SyntaxError; it now matches nothing
        }
        const ours = compileWildcard(pattern, syntax);
        for (let k = 0; k < 8; k++) {
          const text = word(textChars, 6);
          assert.equal(
            ours.test(text),
            re.test(text),
            `${JSON.stringify(pattern)} ~ ${JSON.stringify(text)}`,
          );
          compared++;
        }
      }
    assert.ok(compared > 50_000);
  });

  it("30 stars then x against 10,000 characters without x: linear work", () => {
    const text = "a".repeat(10_000);
    for (const [pattern, syntax] of [
      [`${"*".repeat(30)}x`, EC2],
      [`${"*a".repeat(30)}x`, EC2],
      [`${"?*".repeat(30)}x`, EC2],
      [`${"*[a-z]".repeat(30)}x`, FNMATCH],
      [`${"*a".repeat(30)}x`, SSH],
    ] as const) {
      const started = performance.now();
      const r = compileWildcard(pattern, syntax).match(text);
      assert.equal(r.matched, false);
      // At most two looks per token position per character: O(pattern × text).
      assert.ok(r.steps <= 2 * (pattern.length + 1) * (text.length + 1), `${pattern}: ${r.steps} steps`);
      assert.ok(performance.now() - started < 1000, pattern);
      // And one x at the end makes it match.
      assert.equal(compileWildcard(pattern, syntax).test(`${text}x`), true);
    }
  });

  it("a long pattern against a short name costs the name's length squared, not the pattern's length", () => {
    const r = compileWildcard(`${"*a".repeat(50_000)}x`, EC2).match("a".repeat(60));
    assert.equal(r.matched, false);
    assert.ok(r.steps < 10_000, `${r.steps} steps`);
  });
});

describe("compilePathGlob", () => {
  const glob = (rows: Row[]) => {
    for (const [pattern, path, want] of rows)
      assert.equal(compilePathGlob(pattern).test(path), want, `${pattern} ~ ${path}`);
  };

  it("* and ? stay within one component, ** spans any depth", () => {
    glob([
      ["/etc/ssh/ssh_host_*", "/etc/ssh/ssh_host_rsa_key", true],
      ["/etc/ssh/ssh_host_*", "/etc/ssh/ssh_host_ed25519_key.pub", true],
      ["/etc/ssh/ssh_host_*", "/etc/ssh/sub/ssh_host_rsa_key", false],
      ["/etc/ssh/ssh_host_*", "/etc/ssh/sshd_config", false],
      ["/marker/*", "/marker/x", true],
      ["/*", "/etc", true],
      ["/*", "/etc/a", false],
      ["*", "/etc", false],
      ["/etc/a?b", "/etc/a/b", false],
      ["/etc/a?b", "/etc/axb", true],
      ["/etc/**", "/etc", true],
      ["/etc/**", "/etc/a", true],
      ["/etc/**", "/etc/a/b/c", true],
      ["/etc/**", "/etcx/a", false],
      ["**", "/etc/a", true],
      ["**/x", "x", true],
      ["**/x", "/x", true],
      ["**/x", "/a/b/x", true],
      ["**/x", "/a/b/xy", false],
      ["/a/**/b", "/a/b", true],
      ["/a/**/b", "/a/x/y/b", true],
      ["/a/**/b", "/a/x/y/c", false],
      ["/a/**/**/b", "/a/x/b", true],
      ["/home/**/.ssh/authorized_keys", "/home/alice/.ssh/authorized_keys", true],
      ["/home/*/.aws/credentials", "/home/admin/.aws/credentials", true],
      ["a**b", "axxb", true],
      ["a**b", "ax/xb", false],
      ["/etc/[a-c]x", "/etc/bx", true],
      ["/etc/[!a]", "/etc/b", true],
      ["/etc/[!a]", "/etc/a", false],
      ["/etc/\\*", "/etc/*", true],
      ["/etc/\\*", "/etc/a", false],
      ["/etc/a.b", "/etc/axb", false],
      ["/etc/A", "/etc/a", false],
      ["/etc/a", "/etc/a/", false],
      ["etc/a", "/etc/a", false],
    ]);
  });

  it("wildcards match names starting with a dot, never . or ..", () => {
    glob([
      ["/etc/*", "/etc/.hidden", true],
      ["/etc/*.key", "/etc/.key", true],
      ["/etc/**/x", "/etc/.a/x", true],
      ["/etc/*", "/etc/.", false],
      ["/etc/*", "/etc/..", false],
      ["/etc/*/x", "/etc/../x", false],
      ["/etc/**/x", "/etc/../x", false],
      ["/etc/../x", "/etc/../x", true],
    ]);
  });

  it("many stars and globstars against a long path: polynomial work", () => {
    const path = `/${"a".repeat(5000)}/${"a/".repeat(2000)}y`;
    for (const pattern of [
      `/${"*a".repeat(30)}x`,
      `/${"**/".repeat(30)}x`,
      `/${"**/a/".repeat(30)}x`,
      `/${"*/".repeat(30)}**/${"*a".repeat(30)}x`,
    ]) {
      const started = performance.now();
      const r = compilePathGlob(pattern).match(path);
      assert.equal(r.matched, false);
      assert.ok(r.steps <= 4 * (pattern.length + 1) * (path.length + 1), `${pattern}: ${r.steps} steps`);
      assert.ok(performance.now() - started < 1000, pattern);
    }
  });
});
