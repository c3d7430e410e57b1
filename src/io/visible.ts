/**
 * Image bytes reach messages and reports (paths, names, evidence): control characters are shown
 * as \xNN so a hostile name cannot move the cursor, recolour, rewrite the terminal or reorder the
 * line (C0, DEL, C1 and the Unicode bidirectional controls); every message stays on one line.
 * Idempotent: the escaped form has no control characters left.
 */
export function visible(text: string): string {
  return text.replace(/[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g, (c) => {
    const code = c.charCodeAt(0);
    return code > 0xff
      ? `\\u${code.toString(16).padStart(4, "0")}`
      : `\\x${code.toString(16).padStart(2, "0")}`;
  });
}
