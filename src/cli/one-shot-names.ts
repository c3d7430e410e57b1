/**
 * The commands that read one image and exit: bundled on their own with V8's code cache
 * (one-shot.ts) and started with the launcher's settings (scripts/bundle.mjs). A module of its own
 * so that main.ts can tell them without loading them.
 */
export const ONE_SHOT_COMMANDS: readonly string[] = ["scan", "fix", "inspect", "packages"];
