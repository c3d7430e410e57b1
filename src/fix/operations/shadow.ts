import type { UserAccount } from "../../inspect/accounts.js";
import type { PlanContext } from "../operation.js";

/** The password field with "!" in front: passwd -l's lock, which keeps the hash for -u. */
export function lockedField(field: string): string {
  return field === "" ? "!" : field.startsWith("!") ? field : `!${field}`;
}

/** A shadow/passwd line for display: the password field reduced to its scheme prefix. */
export function maskPasswordLine(line: string): string {
  const fields = line.split(":");
  if (fields.length < 2) return line;
  const pw = fields[1]!;
  const m = /^(!*)(\$[^$]+\$)?/.exec(pw);
  fields[1] = pw.length <= 2 ? pw : `${m?.[1] ?? ""}${m?.[2] ?? ""}…`;
  return fields.join(":");
}

/** Locks the password field of each account at its source line (shadow, or passwd without shadow). */
export async function lockAccounts(
  ctx: PlanContext,
  users: UserAccount[],
  reason: (u: UserAccount) => string,
): Promise<void> {
  const byFile = new Map<string, UserAccount[]>();
  for (const u of users) {
    const src = u.passwordSource ?? u.source;
    const list = byFile.get(src.path) ?? [];
    list.push(u);
    byFile.set(src.path, list);
  }
  for (const [path, list] of byFile) {
    const byLine = new Map(list.map((u) => [(u.passwordSource ?? u.source).line, u]));
    const canonical = (await ctx.canonical(path)) ?? path;
    const st = await ctx.lstat(canonical);
    if (st?.type !== "file") {
      ctx.notice(path, `is a ${st?.type ?? "missing file"}; passwords not locked`);
      continue;
    }
    await ctx.editLines(
      canonical,
      [...new Set(list.map(reason))].join("; "),
      (line, n) => {
        const u = byLine.get(n);
        if (!u) return undefined;
        const fields = line.split(":");
        if (fields[0] !== u.name || fields.length < 2) return undefined;
        fields[1] = lockedField(fields[1]!);
        return fields.join(":");
      },
      { show: maskPasswordLine },
    );
  }
}
