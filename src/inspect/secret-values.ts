/**
 * Whether a configured credential value is a real secret or something that only stands in for one:
 * an empty or tiny value, a template reference filled in at run time, a documented example, or words
 * a person writes where the secret should go (`changeme`, `YOUR_SECRET_KEY`, `<password>`). Charging
 * those would bury the real findings; the secret scanners' allow-lists (gitleaks' stopwords, Trivy's
 * example paths) draw the same line.
 */

/** Words that, alone or joined by separators, make a value a placeholder: `your-api-key`, `test_password`. */
const PLACEHOLDER_WORDS = new Set([
  "access",
  "api",
  "apikey",
  "auth",
  "change",
  "changeit",
  "changeme",
  "changethis",
  "client",
  "credential",
  "credentials",
  "default",
  "dummy",
  "empty",
  "enter",
  "example",
  "fake",
  "false",
  "fixme",
  "foo",
  "foobar",
  "bar",
  "goes",
  "here",
  "id",
  "insert",
  "key",
  "me",
  "mock",
  "my",
  "na",
  "nil",
  "no",
  "none",
  "null",
  "off",
  "on",
  "pass",
  "passwd",
  "password",
  "placeholder",
  "private",
  "put",
  "redacted",
  "replace",
  "sample",
  "secret",
  "tbd",
  "test",
  "testing",
  "the",
  "todo",
  "token",
  "true",
  "undefined",
  "unset",
  "user",
  "username",
  "value",
  "with",
  "xxx",
  "yes",
  "your",
  "yours",
]);

/** Run-time references: `${VAR}`, `{{ var }}`, `%(var)s`, `$VAR`, `%VAR%`, `$(command)`, `#{var}`. */
const REFERENCE = [
  /\$\{[^}]*\}/,
  /\{\{[^}]*\}\}/,
  /%\([\w.-]+\)[sdr]/,
  /^\$[A-Za-z_]\w*$/,
  /^%[A-Za-z_]\w*%$/,
  /^\$\([^)]*\)$/,
  /^#\{[^}]*\}$/,
];

/** `<password>`, `[password]`, `{password}`: a slot to fill, not a value. */
const BRACKETED = /^(?:<[^<>]*>|\[[^[\]]*\]|\{[^{}]*\})$/;

/** Markers that make any value an example, wherever they appear (AWS: AKIAIOSFODNN7EXAMPLE, …EXAMPLEKEY). */
const EXAMPLE_MARKERS = /example|changeme|placeholder|redacted|your[_-]/i;

export function isPlaceholderSecret(value: string): boolean {
  const v = value
    .trim()
    .replace(/^(["'`])(.*)\1$/s, "$2")
    .trim();
  if (v.length < 4) return true;
  if (REFERENCE.some((re) => re.test(v))) return true;
  if (BRACKETED.test(v)) return true;
  if (EXAMPLE_MARKERS.test(v)) return true;
  // Masks and fillers: `********`, `xxxx-xxxx`, `0000`, `....`.
  const alnum = v.replace(/[^A-Za-z0-9]/g, "");
  if (alnum.length === 0 || /^(.)\1*$/i.test(alnum)) return true;
  // Separator- or case-joined placeholder words: `YOUR_SECRET_KEY`, `your-api-key`, `dummy token`.
  const words = v
    .replace(/([a-z])([A-Z])/g, "$1 $2")
    .toLowerCase()
    .split(/[^a-z0-9]+/)
    .filter((w) => w.length > 0);
  return words.length > 0 && words.every((w) => PLACEHOLDER_WORDS.has(w) || /^x{3,}$/.test(w));
}
