/**
 * `amigate completion bash|zsh|fish`: a completion script generated from the command definitions
 * (reference.ts), so it offers exactly the commands, flags and flag values `--help` lists.
 */
import { Argument, type Command } from "commander";
import { type CommandReference, commandReference, type OptionReference } from "./reference.js";

export const SHELLS = ["bash", "zsh", "fish"] as const;
type Shell = (typeof SHELLS)[number];

function allCommands(c: CommandReference): CommandReference[] {
  return [c, ...c.subcommands.flatMap(allCommands)];
}

const optionWords = (o: OptionReference) => [o.short, o.long].filter((w): w is string => w !== undefined);

/** A bash `case` pattern: the quoted words joined by `|`. */
const pattern = (words: string[]) => words.map((w) => `"${w}"`).join("|");

/** The completion function itself; the data functions above it are generated per program. */
const BASH_DRIVER = `_amigate() {
  local cur="\${COMP_WORDS[COMP_CWORD]}" prev="\${COMP_WORDS[COMP_CWORD-1]}" path="" i w values
  for ((i = 1; i < COMP_CWORD; i++)); do
    w="\${COMP_WORDS[i]}"
    case " $(_amigate_subcommands "$path") " in *" $w "*) path="\${path:+$path }$w" ;; esac
  done
  if [[ "$prev" == -* ]]; then
    values="$(_amigate_values "\${path:+$path }$prev")"
    if [[ "$values" == "-" ]]; then COMPREPLY=($(compgen -f -- "$cur")); return; fi
    if [[ -n "$values" ]]; then COMPREPLY=($(compgen -W "$values" -- "$cur")); return; fi
  fi
  if [[ "$cur" == -* ]]; then
    COMPREPLY=($(compgen -W "$(_amigate_options "$path")" -- "$cur"))
  elif [[ -n "$(_amigate_subcommands "$path")" ]]; then
    COMPREPLY=($(compgen -W "$(_amigate_subcommands "$path")" -- "$cur"))
  else
    COMPREPLY=($(compgen -f -- "$cur"))
  fi
}`;

/**
 * Bash: the words before the cursor that name subcommands make the command path; after a flag
 * that takes a value, its choices (or file names); else the path's flags or subcommands.
 */
export function bashCompletion(program: Command): string {
  const commands = allCommands(commandReference(program));
  const key = (c: CommandReference) => c.path.join(" ");
  const lines: string[] = [
    '# amigate completion for bash: eval "$(amigate completion bash)" (in ~/.bashrc)',
    "_amigate_subcommands() {",
    '  case "$1" in',
  ];
  for (const c of commands)
    if (c.subcommands.length > 0)
      lines.push(`    "${key(c)}") echo "${c.subcommands.map((s) => s.path.at(-1)).join(" ")}" ;;`);
  lines.push("  esac", "}", "_amigate_options() {", '  case "$1" in');
  for (const c of commands)
    if (c.options.length > 0)
      lines.push(`    "${key(c)}") echo "${c.options.flatMap(optionWords).join(" ")}" ;;`);
  lines.push(
    "  esac",
    "}",
    "# Prints the flag's choices, or - for a flag that takes a file or other value.",
    "_amigate_values() {",
    '  case "$1" in',
  );
  for (const c of commands)
    for (const o of c.options) {
      if (!o.takesValue) continue;
      const words = optionWords(o).map((w) => `${key(c)}${key(c) ? " " : ""}${w}`);
      lines.push(`    ${pattern(words)}) echo "${o.choices ? o.choices.join(" ") : "-"}" ;;`);
    }
  lines.push("  esac", "}", BASH_DRIVER, "complete -o filenames -F _amigate amigate", "");
  return lines.join("\n");
}

/** zsh runs the bash script through its bashcompinit layer (zsh's own compatibility module). */
export function zshCompletion(program: Command): string {
  return [
    "#compdef amigate",
    '# amigate completion for zsh: eval "$(amigate completion zsh)" (in ~/.zshrc, after compinit)',
    "autoload -U +X bashcompinit && bashcompinit",
    bashCompletion(program).replace(/^# amigate completion for bash.*\n/, ""),
  ].join("\n");
}

/** A fish single-quoted string. */
const fishQuote = (text: string) => `'${text.replaceAll("\\", "\\\\").replaceAll("'", "\\'")}'`;

/** Fish: one `complete` line per command and flag, with descriptions. */
export function fishCompletion(program: Command): string {
  const root = commandReference(program);
  const lines = [
    "# amigate completion for fish: amigate completion fish | source (or save it in ~/.config/fish/completions/amigate.fish)",
  ];
  const seen = (path: string[]) => path.map((w) => `__fish_seen_subcommand_from ${w}`).join("; and ");
  for (const c of allCommands(root)) {
    const names = c.subcommands.map((s) => s.path.at(-1)!);
    const where =
      c.path.length === 0
        ? "__fish_use_subcommand"
        : `${seen(c.path)}; and not __fish_seen_subcommand_from ${names.join(" ")}`;
    for (const s of c.subcommands)
      lines.push(
        `complete -c amigate -f -n ${fishQuote(where)} -a ${s.path.at(-1)} -d ${fishQuote(s.description)}`,
      );
    if (c.path.length === 0) continue;
    for (const o of c.options) {
      const flags = [o.short ? `-s ${o.short.slice(1)}` : "", o.long ? `-l ${o.long.slice(2)}` : ""].filter(
        Boolean,
      );
      const value = !o.takesValue ? "" : o.choices ? ` -x -a ${fishQuote(o.choices.join(" "))}` : " -r -F";
      lines.push(
        `complete -c amigate -n ${fishQuote(seen(c.path))} ${flags.join(" ")}${value} -d ${fishQuote(o.description)}`,
      );
    }
  }
  return `${lines.join("\n")}\n`;
}

export function completionScript(program: Command, shell: Shell): string {
  return shell === "bash"
    ? bashCompletion(program)
    : shell === "zsh"
      ? zshCompletion(program)
      : fishCompletion(program);
}

export function registerCompletion(program: Command): void {
  program
    .command("completion")
    .description("Print a shell completion script for amigate's commands and flags")
    .addArgument(new Argument("<shell>", "bash, zsh or fish").choices(SHELLS))
    .action((shell: Shell) => {
      process.stdout.write(completionScript(program, shell));
    });
}
