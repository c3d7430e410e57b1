/**
 * Secret access keys at rest. SigV4 verification needs the secret itself (the server recomputes
 * the HMAC), so a one-way hash is impossible; instead secrets are sealed with AES-256-GCM under a
 * key kept in its own file (mode 0600) beside, not inside, the database. A stolen database file
 * alone reveals no secret.
 */
import { createCipheriv, createDecipheriv, randomBytes } from "node:crypto";
import { chmodSync, existsSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { ServerSetupError } from "../errors.js";

const KEY_BYTES = 32;
const IV_BYTES = 12;
const TAG_BYTES = 16;

export class SecretBox {
  private constructor(private readonly key: Buffer) {}

  #needKey(): void {
    if (this.key.length !== KEY_BYTES) throw new ServerSetupError("this process holds no secret key");
  }

  /** Reads the key file, creating it (0600) on first use. */
  static open(keyFile: string): SecretBox {
    if (!existsSync(keyFile)) {
      writeFileSync(keyFile, randomBytes(KEY_BYTES).toString("base64") + "\n", { mode: 0o600, flag: "wx" });
    }
    // Tightened when others may read it; a file already private may sit on a read-only mount
    // (a secret manager's volume), where chmod would fail.
    if ((statSync(keyFile).mode & 0o077) !== 0) chmodSync(keyFile, 0o600);
    const key = Buffer.from(readFileSync(keyFile, "utf8").trim(), "base64");
    if (key.length !== KEY_BYTES) throw new ServerSetupError(`${keyFile}: not a ${KEY_BYTES}-byte key`);
    return new SecretBox(key);
  }

  /**
   * For a process that reads no secret (`amigate worker`): sealing or opening with it is a setup
   * error, so such a process needs no copy of secret.key.
   */
  static withoutKey(): SecretBox {
    return new SecretBox(Buffer.alloc(0));
  }

  seal(plain: string, associated: string): Buffer {
    this.#needKey();
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv("aes-256-gcm", this.key, iv);
    cipher.setAAD(Buffer.from(associated));
    const body = Buffer.concat([cipher.update(plain, "utf8"), cipher.final()]);
    return Buffer.concat([iv, cipher.getAuthTag(), body]);
  }

  /** `associated` binds the ciphertext to its row (the access key id), so rows cannot be swapped. */
  open(sealed: Buffer, associated: string): string {
    this.#needKey();
    if (sealed.length < IV_BYTES + TAG_BYTES) throw new ServerSetupError("sealed secret too short");
    const decipher = createDecipheriv("aes-256-gcm", this.key, sealed.subarray(0, IV_BYTES));
    decipher.setAAD(Buffer.from(associated));
    decipher.setAuthTag(sealed.subarray(IV_BYTES, IV_BYTES + TAG_BYTES));
    return Buffer.concat([decipher.update(sealed.subarray(IV_BYTES + TAG_BYTES)), decipher.final()]).toString(
      "utf8",
    );
  }
}
