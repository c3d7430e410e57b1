import type { FixOperation } from "../operation.js";
import { cleanFile, listTree } from "./files.js";
import { homes } from "./homes.js";

const MAX_KEY_BYTES = 64 * 1024;
/** PEM private keys (RSA, EC, DSA, OpenSSH, PKCS#8, encrypted) and PuTTY's format. */
const PRIVATE_KEY = /-----BEGIN ((RSA|EC|DSA|OPENSSH|ENCRYPTED) )?PRIVATE KEY-----|^PuTTY-User-Key-File-\d:/m;

const operation: FixOperation = {
  id: "private-keys",
  heading: "Remove private keys and key pairs left in home directories",
  description:
    "Removes files in the homes of people (login shell or uid ≥ 1000) and /root that hold a private key (PEM, OpenSSH, PKCS#8, PuTTY .ppk), with the .pub beside each.",
  defaultOn: true,
  appliesTo: "linux",
  order: 220,
  async plan(ctx) {
    for (const home of await homes(ctx)) {
      // Whole-tree walks only in people's homes: a daemon's home (/var/lib/…, "/") is not where keys are left.
      if (home.path === "/" || !home.personal) continue;
      for (const entry of await listTree(ctx, home.path)) {
        if (entry.type !== "file") continue;
        const st = await ctx.lstat(entry.path);
        if (!st || st.size > MAX_KEY_BYTES || st.size === 0) continue;
        const text = (await ctx.read(entry.path))?.toString("latin1") ?? "";
        if (!PRIVATE_KEY.test(text)) continue;
        await cleanFile(ctx, entry.path, "remove", `private key in the home of ${home.users.join(", ")}`);
        if ((await ctx.lstat(`${entry.path}.pub`))?.type === "file")
          await cleanFile(ctx, `${entry.path}.pub`, "remove", "public half of a removed key pair");
      }
    }
  },
};
export default operation;
