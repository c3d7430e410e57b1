/**
 * Masks a secret where it is found, so no fact ever holds a usable credential: the same format as
 * maskSecret in policy/rule.ts (which the inspect layer must not import): a short prefix that
 * identifies the kind ("AKIA", "ghp_") and the length.
 */
export function maskSecretValue(value: string, keep = 4): string {
  if (value.length <= keep) return "*".repeat(value.length);
  return `${value.slice(0, keep)}${"*".repeat(Math.min(12, value.length - keep))} (${value.length} chars)`;
}
