/**
 * Readers that misbehave on purpose on any mutant (a TypeError, a hang, a heap blow-up), so the
 * fuzz test can show the harness catches each kind. Seeds read cleanly; mutants do not.
 */
import { readFileSync } from "node:fs";
import path from "node:path";
import type { FuzzInput, FuzzTarget } from "./targets.js";

const SEED = path.join(import.meta.dirname, "canary.ts");

async function mutated(input: FuzzInput): Promise<boolean> {
  const source = await input.source();
  try {
    return !(await source.read(0, source.size)).equals(readFileSync(SEED));
  } finally {
    await source.close();
  }
}

const row = (name: string, misbehave: () => Promise<string>): FuzzTarget => ({
  name,
  seeds: () => [{ path: SEED }],
  async run(input) {
    return (await mutated(input)) ? misbehave() : "clean";
  },
});

export const targets: FuzzTarget[] = [
  row("canary-typeerror", async () => {
    const missing = undefined as unknown as { length: number };
    return String(missing.length);
  }),
  row("canary-hang", () => new Promise<string>(() => {})),
  row("canary-oom", async () => {
    const hoard: string[][] = [];
    for (;;) hoard.push(Array.from({ length: 1e5 }, (_, i) => `${i}-${hoard.length}`));
  }),
];
