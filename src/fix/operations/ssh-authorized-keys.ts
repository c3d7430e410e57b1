import { leftBehindHomes } from "../../inspect/homes.js";
import type { FixOperation } from "../operation.js";
import { cleanFile } from "./files.js";

const operation: FixOperation = {
  id: "ssh-authorized-keys",
  heading: "Remove authorized_keys files of every account",
  description:
    "Removes every file sshd reads as AuthorizedKeysFile (the effective setting, expanded for each account in passwd), plus ~/.ssh/authorized_keys and authorized_keys2, also in folders of /home that no account owns any more. The launch key pair is installed at first boot by cloud-init or the EC2 agent.",
  defaultOn: true,
  appliesTo: "linux",
  order: 200,
  async plan(ctx) {
    const accounts = await ctx.fact("accounts");
    const sshd = await ctx.fact("sshd");
    const seen = new Set<string>();
    // Homes in /home that no account owns any more (a deleted build user's) keep their keys too.
    const leftBehind = await leftBehindHomes({ image: ctx.image, unknown: () => {} }, accounts.users);
    for (const u of [...accounts.users, ...leftBehind]) {
      if (!u.home.startsWith("/")) continue;
      const patterns = [
        ...sshd.authorizedKeysFiles({ name: u.name, home: u.home, uid: u.uid }),
        `${u.home}/.ssh/authorized_keys`,
        `${u.home}/.ssh/authorized_keys2`,
      ];
      for (const pattern of patterns) {
        const path = await ctx.canonical(pattern);
        if (!path || seen.has(path)) continue;
        seen.add(path);
        const st = await ctx.lstat(path);
        if (st?.type === "file" && st.size === 0) continue;
        await cleanFile(ctx, path, "remove", `authorized keys of ${u.name}`);
      }
    }
  },
};
export default operation;
