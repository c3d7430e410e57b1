import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";

/**
 * Keys made by the real tools (ssh-keygen, openssl, puttygen) at test time, so no key is ever
 * committed and the parsers meet exactly what the tools write.
 */

function inTemp<T>(work: (dir: string) => T): T {
  const dir = mkdtempSync(path.join(tmpdir(), "amigate-keygen-"));
  try {
    return work(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function run(cmd: string, args: string[]): string {
  return execFileSync(cmd, args, { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
}

export interface SshKeyPair {
  privateKey: string;
  publicKey: string;
  /** `ssh-keygen -lf` on the public key: "SHA256:…". */
  fingerprint: string;
}

export function sshKeygen(
  type: "ed25519" | "rsa" | "ecdsa",
  options: { comment?: string; passphrase?: string } = {},
): SshKeyPair {
  return inTemp((dir) => {
    const file = path.join(dir, "key");
    const bits = type === "rsa" ? ["-b", "2048"] : [];
    run("ssh-keygen", [
      "-q",
      "-t",
      type,
      ...bits,
      "-N",
      options.passphrase ?? "",
      "-C",
      options.comment ?? "",
      "-f",
      file,
    ]);
    const fingerprint = run("ssh-keygen", ["-lf", `${file}.pub`]).split(" ")[1]!;
    return {
      privateKey: readFileSync(file, "utf8"),
      publicKey: readFileSync(`${file}.pub`, "utf8"),
      fingerprint,
    };
  });
}

/** PEM keys as openssl writes them: PKCS#1 RSA, SEC1 EC, PKCS#8, encrypted PKCS#8. */
export function opensslKey(kind: "rsa-pkcs1" | "ec" | "pkcs8" | "pkcs8-encrypted"): string {
  return inTemp((dir) => {
    const file = path.join(dir, "key.pem");
    if (kind === "rsa-pkcs1") run("openssl", ["genrsa", "-traditional", "-out", file, "2048"]);
    else if (kind === "ec")
      run("openssl", ["ecparam", "-name", "prime256v1", "-genkey", "-noout", "-out", file]);
    else if (kind === "pkcs8") run("openssl", ["genpkey", "-algorithm", "ed25519", "-out", file]);
    else run("openssl", ["genpkey", "-algorithm", "ed25519", "-aes256", "-pass", "pass:test", "-out", file]);
    return readFileSync(file, "utf8");
  });
}

export function hasPuttygen(): boolean {
  try {
    run("puttygen", ["--version"]);
    return true;
  } catch {
    return false;
  }
}

/** A PuTTY .ppk (format 3 with puttygen ≥ 0.75). */
export function puttyKey(passphrase?: string): string {
  return inTemp((dir) => {
    const file = path.join(dir, "key.ppk");
    const pass = path.join(dir, "pass");
    execFileSync("sh", ["-c", `printf '%s' "$1" > "$2"`, "sh", passphrase ?? "", pass]);
    // An empty passphrase file means no passphrase.
    run("puttygen", ["-q", "-t", "ed25519", "-o", file, "--new-passphrase", pass]);
    return readFileSync(file, "utf8");
  });
}

export const UPPER_DIGITS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
export const ALNUM = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
export const BASE64_CHARS = `${ALNUM}+/`;

/**
 * A token of the right shape that is nobody's secret, built at run time so the sources hold no
 * token-shaped literal (secret scanners on this repository stay quiet).
 */
export function fakeToken(prefix: string, length: number, alphabet = UPPER_DIGITS, seed = 7): string {
  let out = "";
  for (let i = 0; i < length; i++) {
    seed = (seed * 1103515245 + 12345) % 2147483648;
    out += alphabet[seed % alphabet.length];
  }
  return prefix + out;
}
