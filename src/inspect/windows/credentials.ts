import type { InspectContext } from "../context.js";
import { configText } from "./agents.js";
import { findAll, findPath } from "./paths.js";
import type { Hive } from "./regf/index.js";
import type { SavedPassword, SavedPasswordKind } from "./types.js";
import { elements, elementText, lineIndex } from "./xml-elements.js";

const MAX_FILE = 8 * 1024 * 1024;

/** Where Windows Setup and sysprep look for answer files (and where they get left behind). */
export const UNATTEND_PATTERNS = [
  "/unattend.xml",
  "/autounattend.xml",
  "/Windows/Panther/unattend.xml",
  "/Windows/Panther/autounattend.xml",
  "/Windows/Panther/Unattend/unattend.xml",
  "/Windows/Panther/Unattend/autounattend.xml",
  "/Windows/System32/Sysprep/unattend.xml",
  "/Windows/System32/Sysprep/sysprep.xml",
  "/Windows/System32/Sysprep/Panther/unattend.xml",
  "/sysprep.xml",
  "/sysprep.inf",
];

export const PSREADLINE_PATTERN =
  "/Users/*/AppData/Roaming/Microsoft/Windows/PowerShell/PSReadLine/ConsoleHost_history.txt";
export const AWS_CREDENTIALS_PATTERN = "/Users/*/.aws/credentials";

/** Sysprep replaces processed passwords with this marker. */
const DELETED = "*SENSITIVE*DATA*DELETED*";

/**
 * Unattend passwords are plain text, or (PlainText false) base64 of UTF-16LE password + the
 * element name ("AdministratorPassword" or "Password"). Returns the password and whether the
 * suffix proved the encoding.
 */
export function decodeUnattendPassword(
  value: string,
  plainText: boolean,
  suffix: string,
): { secret: string; decoded: boolean } {
  if (plainText || !/^[A-Za-z0-9+/]+=*$/.test(value)) return { secret: value, decoded: false };
  const text = Buffer.from(value, "base64").toString("utf16le");
  return text.endsWith(suffix)
    ? { secret: text.slice(0, -suffix.length), decoded: true }
    : { secret: value, decoded: false };
}

const BLOCKS: Array<{ element: string; suffix: string; kind: SavedPasswordKind }> = [
  { element: "AdministratorPassword", suffix: "AdministratorPassword", kind: "unattend-administrator" },
  { element: "AutoLogon", suffix: "Password", kind: "unattend-autologon" },
  { element: "LocalAccount", suffix: "Password", kind: "unattend-local-account" },
];

/** Passwords in an unattend/sysprep answer file (linear in its size: xml-elements.ts). */
export function parseUnattend(text: string, path: string): SavedPassword[] {
  const out: SavedPassword[] = [];
  const lineOf = lineIndex(text);
  for (const { element, suffix, kind } of BLOCKS) {
    for (const e of elements(text, element)) {
      const block = text.slice(e.contentStart, e.contentEnd);
      // AdministratorPassword holds Value directly; AutoLogon and LocalAccount nest a <Password>.
      let inner = block;
      let innerAt = e.contentStart;
      if (element !== "AdministratorPassword") {
        const p = elements(block, "Password")[0];
        inner = p ? block.slice(p.contentStart, p.contentEnd) : "";
        innerAt = e.contentStart + (p?.contentStart ?? 0);
      }
      const value = elementText(inner, "Value");
      if (!value || value === DELETED) continue;
      const plain = (elementText(inner, "PlainText") ?? "true").toLowerCase() !== "false";
      const { secret, decoded } = decodeUnattendPassword(value, plain, suffix);
      const account =
        element === "AdministratorPassword"
          ? "Administrator"
          : (elementText(block, "Username") ?? elementText(block, "Name"));
      // The line of the <Value> itself, where a reader would look.
      out.push({
        kind,
        path,
        line: lineOf(innerAt + inner.indexOf(value)),
        secret,
        decoded,
        ...(account ? { account } : {}),
      });
    }
  }
  return out.sort((a, b) => (a.line ?? 0) - (b.line ?? 0));
}

/** A .rdp file's saved password ("password 51:b:<hex of DPAPI blob>"). */
export function parseRdpFile(text: string, path: string): SavedPassword[] {
  const out: SavedPassword[] = [];
  const lines = text.split(/\r?\n/);
  const user = lines.map((l) => /^username:s:(.*)$/i.exec(l)?.[1]).find((u) => u !== undefined);
  lines.forEach((l, i) => {
    const m = /^password 51:b:([0-9a-f]+)$/i.exec(l.trim());
    if (m)
      out.push({
        kind: "rdp-file",
        path,
        line: i + 1,
        secret: m[1]!,
        decoded: false,
        ...(user ? { account: user } : {}),
      });
  });
  return out;
}

export async function readUnattendPasswords(ctx: InspectContext): Promise<SavedPassword[]> {
  const out: SavedPassword[] = [];
  const seen = new Set<string>();
  for (const pattern of UNATTEND_PATTERNS) {
    const path = await findPath(ctx.image, pattern);
    if (!path || seen.has(path)) continue;
    seen.add(path);
    try {
      out.push(...parseUnattend(configText(await ctx.image.readFile(path, MAX_FILE)), path));
    } catch (e) {
      ctx.unknown(path, e);
    }
  }
  return out;
}

/** SOFTWARE\Microsoft\Windows NT\CurrentVersion\Winlogon DefaultPassword (AutoAdminLogon's cleartext). */
export function readWinlogonPassword(software: Hive, path: string): SavedPassword[] {
  const winlogon = software.key("Microsoft\\Windows NT\\CurrentVersion\\Winlogon");
  const secret = winlogon?.value("DefaultPassword")?.string();
  if (!secret) return [];
  const account = winlogon?.value("DefaultUserName")?.string();
  return [
    {
      kind: "winlogon-default-password",
      path: `${path}\\Microsoft\\Windows NT\\CurrentVersion\\Winlogon`,
      secret,
      decoded: false,
      ...(account ? { account } : {}),
    },
  ];
}

/** .rdp files anywhere in user profiles (Desktop, Documents…), from the shared file index. */
export async function readRdpPasswords(ctx: InspectContext): Promise<SavedPassword[]> {
  const files = await ctx.get("files");
  const out: SavedPassword[] = [];
  for (const f of files.select((v) => v.name.toLowerCase().endsWith(".rdp"))) {
    if (f.type !== "file" || !f.path.toLowerCase().endsWith(".rdp") || f.size > MAX_FILE) continue;
    try {
      out.push(...parseRdpFile(configText(await ctx.image.readFile(f.path, MAX_FILE)), f.path));
    } catch (e) {
      ctx.unknown(f.path, e);
    }
  }
  return out;
}

export async function readPsReadLine(
  ctx: InspectContext,
): Promise<Array<{ path: string; commands: number }>> {
  const out: Array<{ path: string; commands: number }> = [];
  for (const path of await findAll(ctx.image, PSREADLINE_PATTERN)) {
    try {
      const commands = configText(await ctx.image.readFile(path, 64 * 1024 * 1024))
        .split(/\r?\n/)
        .filter((l) => l.trim() !== "").length;
      if (commands > 0) out.push({ path, commands });
    } catch (e) {
      ctx.unknown(path, e);
    }
  }
  return out;
}

export async function readAwsCredentialFiles(ctx: InspectContext): Promise<string[]> {
  const out: string[] = [];
  for (const path of await findAll(ctx.image, AWS_CREDENTIALS_PATTERN)) {
    try {
      if (
        /aws_(access_key_id|secret_access_key|session_token)\s*=\s*\S/i.test(
          configText(await ctx.image.readFile(path, MAX_FILE)),
        )
      )
        out.push(path);
    } catch (e) {
      ctx.unknown(path, e);
    }
  }
  return out;
}

/**
 * Credential Manager keeps saved logons (RDP, network shares, web) as DPAPI-encrypted blobs in
 * these folders; they cannot be read offline, but a non-empty blob is a saved password (SHR-4).
 */
export const CREDENTIAL_MANAGER_PATTERNS = [
  "/Users/*/AppData/Roaming/Microsoft/Credentials/*",
  "/Users/*/AppData/Local/Microsoft/Credentials/*",
  "/Windows/System32/config/systemprofile/AppData/Local/Microsoft/Credentials/*",
  "/Windows/ServiceProfiles/*/AppData/Local/Microsoft/Credentials/*",
];

export async function findCredentialManagerFiles(ctx: InspectContext): Promise<string[]> {
  const out: string[] = [];
  for (const pattern of CREDENTIAL_MANAGER_PATTERNS)
    for (const path of await findAll(ctx.image, pattern)) {
      const st = await ctx.image.statIfExists(path).catch(() => undefined);
      if (st?.type === "file" && st.size > 0) out.push(path);
    }
  return out.sort();
}
