import type { Inspector } from "./context.js";

// CONTRACT (the accounts helper implements this file; other inspectors rely on these fields).

/** Where a value was read: image path and 1-based line. */
export interface Source {
  path: string;
  line: number;
}

/** The password field of an account as /etc/shadow (or /etc/passwd when no shadow entry) holds it. */
export type PasswordState =
  | { kind: "hash"; scheme: string } // usable password hash ("$6$…", "$y$…", DES)
  | { kind: "empty" } // empty field: login without password
  | { kind: "locked"; hasHash: boolean } // "!…" / "!!" / "*…": password login impossible
  | { kind: "unknown" }; // no shadow entry and "x" in passwd, or unreadable

export interface UserAccount {
  name: string;
  uid: number;
  gid: number;
  gecos: string;
  home: string;
  shell: string;
  /** The shell is a real login shell (not nologin/false/sync…). */
  hasLoginShell: boolean;
  password: PasswordState;
  passwordSource?: Source;
  source: Source;
}

export interface Group {
  name: string;
  gid: number;
  members: string[];
  source: Source;
}

/** Someone who can become root through sudo. */
export interface SudoGrant {
  /** "user:alice" or "group:sudo" as written in sudoers. */
  principal: string;
  /** Users it resolves to (group members expanded through /etc/group and primary gid). */
  users: string[];
  noPassword: boolean;
  source: Source;
}

export interface AccountFacts {
  users: UserAccount[];
  groups: Group[];
  sudo: SudoGrant[];
}

export const accountsInspector: Inspector<"accounts"> = {
  name: "accounts",
  description: "placeholder",
  paths: [],
  async inspect() {
    return { users: [], groups: [], sudo: [] };
  },
};
