import type { Inspector } from "./context.js";

// CONTRACT (the sshd helper implements this file; other inspectors rely on these fields).

export interface SshdSetting {
  /** Keyword as OpenSSH spells it, e.g. "PasswordAuthentication". */
  keyword: string;
  value: string;
  /** Where it was set; absent when the value is OpenSSH's built-in default. */
  path?: string;
  line?: number;
  isDefault: boolean;
}

export interface SshdConditionalSetting extends SshdSetting {
  /** The Match criteria line, e.g. "User backup". */
  match: string;
}

export interface SshdFacts {
  /** sshd is present (binary or configuration). */
  installed: boolean;
  /** Config files in the order sshd reads them (main file, then Includes as they are reached). */
  files: string[];
  /** The effective global value of a keyword (case-insensitive): first value wins, defaults applied. */
  get(keyword: string): SshdSetting | undefined;
  /** Settings inside Match blocks (they apply only to matching connections). */
  conditional: SshdConditionalSetting[];
  /** AuthorizedKeysFile patterns expanded for one user (%h, %u, %%; relative = under home). */
  authorizedKeysFiles(user: { name: string; home: string }): string[];
}

export const sshdInspector: Inspector<"sshd"> = {
  name: "sshd",
  description: "placeholder",
  paths: [],
  async inspect() {
    return {
      installed: false,
      files: [],
      get: () => undefined,
      conditional: [],
      authorizedKeysFiles: (u) => [`${u.home}/.ssh/authorized_keys`, `${u.home}/.ssh/authorized_keys2`],
    };
  },
};
