import type { Hive } from "./regf/index.js";
import type { AliasMember, WindowsUser } from "./types.js";

/** User Account Control bit "account disabled" in the F value's ACB flags (offset 0x38). */
const ACB_DISABLED = 0x0001;
const F_ACB_OFFSET = 0x38;
/** Alias C value: members offset (relative to 0x34) at 0x28, member count at 0x30. */
const C_MEMBERS_OFFSET = 0x28;
const C_MEMBER_COUNT = 0x30;
const C_DATA = 0x34;

/** Local users from SAM\Domains\Account\Users: names (Names\<user> default value type = RID) + F flags. */
export function readSamUsers(sam: Hive, path: string): WindowsUser[] {
  const users = sam.key("SAM\\Domains\\Account\\Users");
  if (!users) return [];
  const out: WindowsUser[] = [];
  for (const named of users.subkey("Names")?.subkeys() ?? []) {
    const rid = named.value("")?.type;
    if (rid === undefined) continue;
    const f = users.subkey(rid.toString(16).toUpperCase().padStart(8, "0"))?.value("F")?.data();
    const flags = f && f.length >= F_ACB_OFFSET + 2 ? f.readUInt16LE(F_ACB_OFFSET) : 0;
    out.push({
      name: named.name,
      rid,
      disabled: (flags & ACB_DISABLED) !== 0,
      source: `${path}\\SAM\\Domains\\Account\\Users\\${named.name}`,
    });
  }
  return out.sort((a, b) => a.rid - b.rid);
}

/** A binary SID as "S-1-5-21-…"; undefined if it does not fit. Returns the bytes it used. */
export function parseSid(buf: Buffer, at: number): { sid: string; length: number } | undefined {
  if (at + 8 > buf.length) return undefined;
  const count = buf[at + 1]!;
  const length = 8 + count * 4;
  if (count > 15 || at + length > buf.length) return undefined;
  const authority = buf.readUIntBE(at + 2, 6);
  const subs = Array.from({ length: count }, (_, i) => buf.readUInt32LE(at + 8 + i * 4));
  return { sid: `S-${buf[at]}-${authority}${subs.map((s) => `-${s}`).join("")}`, length };
}

/** Members of a builtin alias (544 Administrators, 555 Remote Desktop Users) from its C value. */
export function readAliasMembers(
  sam: Hive,
  rid: number,
  users: WindowsUser[],
  hivePath?: string,
): AliasMember[] {
  const keyPath = `SAM\\Domains\\Builtin\\Aliases\\${rid.toString(16).toUpperCase().padStart(8, "0")}`;
  const key = sam.key(keyPath);
  const source = hivePath === undefined ? {} : { source: `${hivePath}\\${keyPath}` };
  const c = key?.value("C")?.data();
  if (!c || c.length < C_DATA) return [];
  const count = c.readUInt32LE(C_MEMBER_COUNT);
  let at = C_DATA + c.readUInt32LE(C_MEMBERS_OFFSET);
  const byRid = new Map(users.map((u) => [u.rid, u.name]));
  const out: AliasMember[] = [];
  for (let i = 0; i < count && at < c.length; i++) {
    const parsed = parseSid(c, at);
    if (!parsed) break;
    at += parsed.length;
    const parts = parsed.sid.split("-");
    const local = parts[3] === "21" && parts.length === 8 ? byRid.get(Number(parts[7])) : undefined;
    out.push(
      local !== undefined ? { sid: parsed.sid, name: local, ...source } : { sid: parsed.sid, ...source },
    );
  }
  return out;
}
