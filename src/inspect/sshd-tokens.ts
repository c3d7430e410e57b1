/**
 * How sshd splits a configuration line (OpenSSH 9.2 servconf.c and misc.c). The keyword is cut
 * with strdelim(): it ends at whitespace, at one "=" or at a double quote, and a double-quoted
 * keyword is a keyword ("PasswordAuthentication" no works; 'PasswordAuthentication' does not).
 * The arguments are split with argv_split(): space and tab separate, "double" and 'single'
 * quotes group, a backslash escapes a quote, a backslash or (outside quotes) a space, and a token
 * starting with "#" ends the line. Match criteria are cut with strdelim() again.
 */

/** servconf.c WHITESPACE. */
const WHITESPACE = " \t\r\n";

function spanWhitespace(s: string, from: number): number {
  let i = from;
  while (i < s.length && WHITESPACE.includes(s[i]!)) i++;
  return i;
}

/**
 * strdelim(): the next token of `s` and what follows it. `token` is null when `s` is null or a
 * double quote is never closed; `rest` is null when nothing follows.
 */
export function strdelim(s: string | null): { token: string | null; rest: string | null } {
  if (s === null) return { token: null, rest: null };
  let i = 0;
  while (i < s.length && !`${WHITESPACE}"=`.includes(s[i]!)) i++;
  if (i === s.length) return { token: s, rest: null };
  if (s[i] === '"') {
    // The opening quote is removed in place; the token runs from the start to the closing quote.
    const t = s.slice(0, i) + s.slice(i + 1);
    const close = t.indexOf('"', i);
    if (close < 0) return { token: null, rest: null };
    return { token: t.slice(0, close), rest: t.slice(spanWhitespace(t, close + 1)) };
  }
  const equals = s[i] === "=";
  let next = spanWhitespace(s, i + 1);
  // Only one "=" is skipped: "Keyword = value" and "Keyword=value", not "Keyword==value".
  if (s[next] === "=" && !equals) next = spanWhitespace(s, next + 1);
  return { token: s.slice(0, i), rest: s.slice(next) };
}

/** argv_split() with comments: the arguments, or null when a quote is left open. */
export function argvSplit(s: string): string[] | null {
  const out: string[] = [];
  let i = 0;
  while (i < s.length) {
    if (s[i] === " " || s[i] === "\t") {
      i++;
      continue;
    }
    if (s[i] === "#") break;
    let quote = "";
    let arg = "";
    for (; i < s.length; i++) {
      const c = s[i]!;
      const n = s[i + 1];
      if (c === "\\") {
        if (n === "'" || n === '"' || n === "\\" || (quote === "" && n === " ")) arg += s[++i];
        else arg += c;
      } else if (quote === "" && (c === " " || c === "\t")) break;
      else if (quote === "" && (c === '"' || c === "'")) quote = c;
      else if (quote !== "" && c === quote) quote = "";
      else arg += c;
    }
    if (quote !== "") return null;
    out.push(arg);
  }
  return out;
}

/** One configuration line after tokenizing. */
export interface ConfigLine {
  /** Lower-cased keyword as written (aliases are resolved later). */
  keyword: string;
  /** The keyword as written. */
  written: string;
  args: string[];
  line: number;
  /** What follows the keyword, unsplit (Match criteria are read from it). */
  rest: string;
}

/** sshd strips these from the end of a line (a form feed too), never the first character. */
const TRAILING = " \t\r\n\f";

/**
 * Splits one line into keyword and arguments like process_server_config_line(); undefined for
 * blank lines and comments (and for a keyword whose double quote is never closed, which sshd
 * skips silently), an error where sshd reports one.
 */
export function tokenizeLine(text: string, line: number): ConfigLine | { error: string } | undefined {
  let end = text.length;
  while (end > 1 && TRAILING.includes(text[end - 1]!)) end--;
  let { token, rest } = strdelim(text.slice(0, end));
  // Leading whitespace gives an empty first token; the keyword is the next one.
  if (token === "") ({ token, rest } = strdelim(rest));
  if (!token || token.startsWith("#")) return undefined;
  if (rest === null || rest === "") return { error: `no argument after keyword "${token}"` };
  const args = argvSplit(rest);
  if (args === null) return { error: "invalid quotes" };
  return { keyword: token.toLowerCase(), written: token, args, line, rest };
}
