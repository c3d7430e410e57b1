import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { generateSshdConfig, seededRandom } from "../../test/support/sshd-config-generator.js";
import { type OracleProfile, oracleUnavailable, runSshdOracle } from "../../test/support/sshd-oracle.js";
import { memoryImage } from "../../test/support/trees.js";
import { sshdFactsFrom } from "./ssh.js";
import { parseSshdConfig } from "./sshd-config.js";

/**
 * Differential test against OpenSSH: random configurations (test/support/sshd-config-generator.ts)
 * are read by our parser and by the rootfs's sshd 9.2p1, and for every connection profile the
 * keywords our rules read must agree with `sshd -T -C …`; where sshd refuses to start, our model
 * must say so. AMIGATE_SSHD_DIFF_SEED and AMIGATE_SSHD_DIFF_CONFIGS replay or widen a run.
 */

const SEED = Number(process.env.AMIGATE_SSHD_DIFF_SEED ?? 20260705);
const CONFIGS = Number(process.env.AMIGATE_SSHD_DIFF_CONFIGS ?? 150);

const PROFILES: OracleProfile[] = [
  {
    user: "root",
    uid: 0,
    groups: ["root"],
    host: "admin.example.com",
    address: "10.0.0.5",
    localAddress: "10.0.0.1",
    localPort: 22,
  },
  {
    user: "alice",
    uid: 1000,
    groups: ["alice"],
    host: "laptop.home.example",
    address: "192.168.1.20",
    localAddress: "10.0.0.1",
    localPort: 22,
  },
  {
    user: "bob",
    uid: 1001,
    groups: ["bob", "admins"],
    host: "ci.example.org",
    address: "203.0.113.7",
    localAddress: "192.0.2.1",
    localPort: 2222,
  },
  {
    user: "deploy",
    uid: 1002,
    groups: ["deploy", "sftponly"],
    host: "deploy.example.com",
    address: "2001:db8::5",
    localAddress: "2001:db8::1",
    localPort: 22,
  },
  {
    user: "root",
    uid: 0,
    groups: ["root"],
    host: "bastion.example.org",
    address: "203.0.113.9",
    localAddress: "192.0.2.1",
    localPort: 443,
  },
  {
    user: "carol",
    uid: -1,
    groups: [],
    host: "unknown.example.net",
    address: "198.51.100.7",
    localAddress: "10.0.0.1",
    localPort: 22,
  },
];

/** The keywords rules and inspectors read, as `sshd -T` prints them, with its defaults. */
const COMPARED: Record<string, string | undefined> = {
  passwordauthentication: undefined,
  kbdinteractiveauthentication: undefined,
  permitrootlogin: undefined,
  permitemptypasswords: undefined,
  authenticationmethods: "any",
  usepam: undefined,
  pubkeyauthentication: undefined,
  hostbasedauthentication: undefined,
  gssapiauthentication: undefined,
  authorizedkeysfile: undefined,
  authorizedkeyscommand: "none",
  authorizedkeyscommanduser: "none",
};
// sshd -T prints prohibit-password by its old name.
const normal = (v: string) => (v === "prohibit-password" ? "without-password" : v);

type Verdict = { refused: true } | { profiles: Array<Record<string, string> | "dropped"> };

async function ours(files: Record<string, string>): Promise<Verdict> {
  const tree = Object.fromEntries(Object.entries(files).map(([rel, text]) => [`/etc/ssh/${rel}`, text]));
  const facts = sshdFactsFrom(await parseSshdConfig(memoryImage(tree)), true);
  if (facts.refused) return { refused: true };
  return {
    profiles: PROFILES.map((p) => {
      if (facts.connectionError(p)) return "dropped";
      return Object.fromEntries(
        Object.entries(COMPARED).map(([k, fallback]) => [
          k,
          normal(facts.forConnection(k, p)?.value ?? fallback ?? ""),
        ]),
      );
    }),
  };
}

describe("sshd model against OpenSSH's sshd -T", { skip: oracleUnavailable() ?? false }, () => {
  it(`agrees on ${CONFIGS} random configurations × ${PROFILES.length} connections (seed ${SEED})`, async () => {
    const random = seededRandom(SEED);
    const configs = Array.from({ length: CONFIGS }, () => generateSshdConfig(random));
    const started = performance.now();
    const oracle = runSshdOracle(configs, PROFILES);
    const sshdSeconds = ((performance.now() - started) / 1000).toFixed(1);
    const disagreements: string[] = [];
    let refused = 0;
    let compared = 0;
    for (const [i, files] of configs.entries()) {
      const want = oracle[i]!;
      const got = await ours(files);
      const show = () =>
        `config #${i} (seed ${SEED}):\n${Object.entries(files)
          .map(([f, t]) => `--- ${f}\n${t}`)
          .join("")}`;
      if (want.refused !== undefined || "refused" in got) {
        if (want.refused !== undefined) refused++;
        if (want.refused !== undefined && process.env.AMIGATE_SSHD_DIFF_DUMP)
          console.log(
            `REFUSED ${want.refused.replace(/line \d+/, "line N").replace(/\/etc\/ssh\/\S+/, "F")}`,
          );
        if ((want.refused !== undefined) !== "refused" in got)
          disagreements.push(
            `${show()}sshd ${want.refused !== undefined ? `refuses (${want.refused})` : "starts"}, we say ${"refused" in got ? "refused" : "it starts"}`,
          );
        continue;
      }
      for (const [j, profile] of PROFILES.entries()) {
        compared++;
        const theirs = want.profiles[j]!;
        const mine = got.profiles[j]!;
        if ("error" in theirs || mine === "dropped") {
          if (!("error" in theirs) || mine !== "dropped")
            disagreements.push(
              `${show()}${profile.user}@${profile.address}: sshd ${"error" in theirs ? `drops it (${theirs.error})` : "serves it"}, we ${mine === "dropped" ? "drop it" : "serve it"}`,
            );
          continue;
        }
        for (const k of Object.keys(COMPARED)) {
          const a = normal(theirs.values[k] ?? "");
          if (a !== mine[k])
            disagreements.push(
              `${show()}${profile.user}@${profile.address}: ${k} sshd "${a}", ours "${mine[k]}"`,
            );
        }
      }
    }
    console.log(
      `sshd differential: ${CONFIGS} configurations (${refused} refused by sshd) × ${PROFILES.length} profiles, ${compared} connections compared, ${disagreements.length} disagreements (seed ${SEED}; sshd ${sshdSeconds} s)`,
    );
    if (process.env.AMIGATE_SSHD_DIFF_DUMP) for (const d of disagreements) console.log(`${d}\n=====`);
    assert.deepEqual(disagreements.slice(0, 5), [], `${disagreements.length} disagreements (seed ${SEED})`);
  });
});
