import { ImageFormatError } from "../../io/errors.js";

// LVM2 text metadata (lib/format_text): `name { ... }` sections, `key = value` where a value is a
// number, a "string" or an array `[ v, v ]`; `#` starts a comment outside strings.
export type LvmValue = number | string | LvmValue[];
export interface LvmSection {
  [key: string]: LvmValue | LvmSection;
}

const MAX_DEPTH = 16;
const MAX_ITEMS = 100_000;

export function parseLvmText(text: string, file: string, offset: number): LvmSection {
  let pos = 0;
  let items = 0;
  const fail = (expected: string): never => {
    throw new ImageFormatError(file, "LVM metadata text", offset + pos, expected);
  };
  const skip = () => {
    for (;;) {
      while (pos < text.length && /\s/.test(text[pos] as string)) pos++;
      if (text[pos] !== "#") return;
      while (pos < text.length && text[pos] !== "\n") pos++;
    }
  };
  const ident = (): string => {
    const m = /^[A-Za-z0-9_.+-]+/.exec(text.slice(pos, pos + 256));
    if (!m) return fail("a name");
    pos += m[0].length;
    return m[0];
  };
  const value = (): LvmValue => {
    skip();
    const c = text[pos];
    if (c === '"') {
      let out = "";
      pos++;
      while (pos < text.length && text[pos] !== '"') {
        if (text[pos] === "\\") pos++;
        out += text[pos] ?? "";
        pos++;
      }
      if (pos >= text.length) fail("a closing quote");
      pos++;
      return out;
    }
    if (c === "[") {
      pos++;
      const arr: LvmValue[] = [];
      for (;;) {
        skip();
        if (text[pos] === "]") {
          pos++;
          return arr;
        }
        if (++items > MAX_ITEMS) fail(`at most ${MAX_ITEMS} values`);
        const v = value();
        if (Array.isArray(v)) fail("a flat array");
        arr.push(v);
        skip();
        if (text[pos] === ",") pos++;
      }
    }
    const m = /^-?\d+(\.\d+)?/.exec(text.slice(pos, pos + 32));
    if (!m) return fail("a number, string or array");
    pos += m[0].length;
    return Number(m[0]);
  };
  const section = (depth: number, closing: boolean): LvmSection => {
    if (depth > MAX_DEPTH) fail(`sections nested at most ${MAX_DEPTH} deep`);
    const out: LvmSection = Object.create(null);
    for (;;) {
      skip();
      if (pos >= text.length || text[pos] === "\0") {
        if (closing) fail("a closing brace");
        return out;
      }
      if (text[pos] === "}") {
        if (!closing) fail("no unmatched closing brace");
        pos++;
        return out;
      }
      if (++items > MAX_ITEMS) fail(`at most ${MAX_ITEMS} entries`);
      const key = ident();
      skip();
      if (text[pos] === "{") {
        pos++;
        out[key] = section(depth + 1, true);
      } else if (text[pos] === "=") {
        pos++;
        out[key] = value();
      } else fail(`= or { after ${key}`);
    }
  };
  return section(0, false);
}

export function isSection(v: LvmValue | LvmSection | undefined): v is LvmSection {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}
