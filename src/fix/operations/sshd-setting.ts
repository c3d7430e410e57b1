import { fnmatchRegExp, SSH_DIR, SSHD_CONFIG, tokenizeLine } from "../../inspect/sshd-config.js";
import type { PlanContext } from "../operation.js";

/** Our drop-in: "00-" sorts before the drop-ins distributions and users add, so it is read first. */
export const SSHD_DROP_IN = "00-amigate.conf";

/** Names sshd accepts for a keyword (sshd_config(5) keeps old names working). */
const NAMES: Record<string, string[]> = {
  kbdinteractiveauthentication: [
    "kbdinteractiveauthentication",
    "challengeresponseauthentication",
    "skeyauthentication",
  ],
};

function namesOf(keyword: string): string[] {
  return NAMES[keyword.toLowerCase()] ?? [keyword.toLowerCase()];
}

/**
 * The drop-in directory the main file includes outside any Match block, when "00-amigate.conf"
 * would be read through it; undefined when the main file has no such Include.
 */
async function dropInDir(ctx: PlanContext): Promise<string | undefined> {
  const text = (await ctx.read(SSHD_CONFIG))?.toString("utf8");
  if (text === undefined) return undefined;
  const lines = text.split("\n");
  for (let n = 0; n < lines.length; n++) {
    const tok = tokenizeLine(lines[n]!, n + 1);
    if (!tok || "error" in tok) continue;
    if (tok.keyword === "match") return undefined;
    if (tok.keyword !== "include") continue;
    for (const pattern of tok.args) {
      const abs = pattern.startsWith("/") ? pattern : `${SSH_DIR}/${pattern}`;
      const slash = abs.lastIndexOf("/");
      const dir = abs.slice(0, slash);
      if (/[*?[]/.test(dir)) continue;
      if (
        fnmatchRegExp(abs.slice(slash + 1)).test(SSHD_DROP_IN) &&
        (await ctx.lstat(dir))?.type === "directory"
      )
        return dir;
    }
  }
  return undefined;
}

/** Rewrites the line that sets `keyword` at (path, line), or the first unconditional one in that file. */
async function editSetting(
  ctx: PlanContext,
  path: string,
  line: number,
  keyword: string,
  value: string,
  reason: string,
  conditional: boolean,
): Promise<void> {
  const names = namesOf(keyword);
  const text = (await ctx.read(path))?.toString("utf8") ?? "";
  const lines = text.split("\n");
  const matches = (n: number) => {
    const tok = tokenizeLine(lines[n - 1] ?? "", n);
    return tok !== undefined && !("error" in tok) && names.includes(tok.keyword);
  };
  let target = matches(line) ? line : 0;
  if (target === 0 && !conditional) {
    for (let n = 1; n <= lines.length; n++) {
      const tok = tokenizeLine(lines[n - 1]!, n);
      if (tok && !("error" in tok) && tok.keyword === "match") break;
      if (matches(n)) {
        target = n;
        break;
      }
    }
  }
  if (target === 0) {
    ctx.notice(path, `line ${line} no longer sets ${keyword}; not changed`);
    return;
  }
  await ctx.editLines(path, reason, (l, n) =>
    n === target ? `${/^\s*/.exec(l)![0]}${keyword} ${value}` : undefined,
  );
}

/**
 * Makes `keyword value` the effective sshd setting: the line that wins now is rewritten where it
 * is (a drop-in, or the main file); when nothing sets it, a drop-in read first is written (or a
 * line at the top of the main file when it includes no drop-in directory). Match blocks that set
 * an unacceptable value are rewritten too.
 */
export async function ensureSshdSetting(
  ctx: PlanContext,
  keyword: string,
  value: string,
  acceptable: (current: string) => boolean,
  reason: string,
): Promise<void> {
  const sshd = await ctx.fact("sshd");
  if (!sshd.installed) return;
  const setting = sshd.get(keyword);
  if (setting && !setting.isDefault && setting.path && setting.line) {
    if (!acceptable(setting.value.toLowerCase())) {
      const path = (await ctx.canonical(setting.path)) ?? setting.path;
      await editSetting(ctx, path, setting.line, keyword, value, `${reason} (this line wins)`, false);
    }
  } else if (!setting || !acceptable(setting.value.toLowerCase())) {
    const dir = await dropInDir(ctx);
    if (dir) {
      const path = `${dir}/${SSHD_DROP_IN}`;
      const existing = (await ctx.read(path))?.toString("utf8");
      const body = `${existing ?? "# Written by amigate fix: read before other drop-ins, so these settings win.\n"}${keyword} ${value}\n`;
      if (existing === undefined || (await ctx.lstat(path)) === undefined)
        await ctx.create(path, Buffer.from(body), 0o644, reason);
      else await ctx.replace(path, Buffer.from(body), reason);
    } else if ((await ctx.lstat(SSHD_CONFIG))?.type === "file") {
      await ctx.editLines(
        SSHD_CONFIG,
        `${reason} (first line: sshd keeps the first value)`,
        () => undefined,
        {
          insertTop: `${keyword} ${value}`,
        },
      );
    } else ctx.notice(SSHD_CONFIG, `not a regular file; ${keyword} not set`);
  }
  for (const c of sshd.conditional) {
    if (
      !namesOf(keyword).includes(c.keyword.toLowerCase()) ||
      acceptable(c.value.toLowerCase()) ||
      !c.path ||
      !c.line
    )
      continue;
    const path = (await ctx.canonical(c.path)) ?? c.path;
    await editSetting(ctx, path, c.line, keyword, value, `${reason} (Match ${c.match})`, true);
  }
}
