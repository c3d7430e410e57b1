import { CLAUSES } from "../policy/clauses.js";
import type { ScanResult } from "../policy/result.js";
import { SEVERITIES, type Severity } from "../policy/severity.js";
import { htmlEscape as h } from "./html-escape.js";

/** A bar of the summary picture: what it counts and how many. */
export interface SummaryBar {
  key: string;
  label: string;
  count: number;
}

/** The same colours as the report's severity classes (REPORT_STYLE), 4.5:1 or more on white. */
const SEVERITY_FILL: Record<Severity, string> = {
  critical: "#a40e26",
  high: "#cf222e",
  medium: "#9a6700",
  low: "#0969da",
  info: "#57606a",
};
const FAMILY_FILL = "#57606a";

/** A clause family is the id's prefix (SEC-7 → SEC), named after its CLAUSES.md section. */
function familyNames(): Map<string, string> {
  const names = new Map<string, string>();
  for (const c of CLAUSES) {
    const prefix = c.id.replace(/-\d+$/, "");
    if (!names.has(prefix)) names.set(prefix, c.section.replace(/\s*\([AB]\).*$/, ""));
  }
  return names;
}

export function severityBars(result: ScanResult): SummaryBar[] {
  return SEVERITIES.map((s) => ({ key: s, label: s, count: result.summary[s] }));
}

/**
 * Findings per clause family, largest first: a finding counts once in each family it cites (SEC-7
 * and SEC-3 are one SEC finding), so the bars may add up to more than the findings.
 */
export function clauseFamilyBars(result: ScanResult): SummaryBar[] {
  const names = familyNames();
  const counts = new Map<string, number>();
  for (const f of result.findings)
    for (const family of new Set(f.clauses.map((c) => c.replace(/-\d+$/, ""))))
      counts.set(family, (counts.get(family) ?? 0) + 1);
  return [...counts]
    .map(([key, count]) => ({ key, label: `${key} ${names.get(key) ?? ""}`.trim(), count }))
    .sort((a, b) => b.count - a.count || a.key.localeCompare(b.key));
}

const ROW = 22;
const LABEL_WIDTH = 190;
const BAR_WIDTH = 200;
const COUNT_WIDTH = 40;

/** One horizontal bar chart as inline SVG: attributes only (no style attribute, no script). */
function barChart(title: string, bars: readonly SummaryBar[], fill: (bar: SummaryBar) => string): string {
  const width = LABEL_WIDTH + BAR_WIDTH + COUNT_WIDTH;
  const height = ROW * (bars.length + 1);
  const max = Math.max(1, ...bars.map((b) => b.count));
  const description = bars.map((b) => `${b.label}: ${b.count}`).join(", ");
  const rows = bars.map((b, i) => {
    const y = ROW * (i + 1);
    const w = b.count === 0 ? 0 : Math.max(2, Math.round((b.count / max) * BAR_WIDTH));
    return (
      `<g data-key="${h(b.key)}" data-count="${b.count}">` +
      `<text x="0" y="${y + 15}" font-size="13" fill="#1b1f24">${h(b.label)}</text>` +
      `<rect x="${LABEL_WIDTH}" y="${y + 3}" width="${w}" height="${ROW - 6}" fill="${fill(b)}"/>` +
      `<text x="${LABEL_WIDTH + w + 6}" y="${y + 15}" font-size="13" fill="#1b1f24">${b.count}</text></g>`
    );
  });
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" role="img" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" aria-label="${h(`${title}: ${description}`)}">`,
    `<title>${h(`${title}: ${description}`)}</title>`,
    `<text x="0" y="15" font-size="14" font-weight="700" fill="#1b1f24">${h(title)}</text>`,
    ...rows,
    "</svg>",
  ].join("");
}

/** The summary picture: findings by severity and by clause family, two bar charts side by side. */
export function summaryPicture(result: ScanResult): string {
  const families = clauseFamilyBars(result);
  return [
    '<div class="summary" id="summary">',
    barChart("Findings by severity", severityBars(result), (b) => SEVERITY_FILL[b.key as Severity]),
    families.length > 0 ? barChart("Findings by clause family", families, () => FAMILY_FILL) : "",
    "</div>",
  ].join("\n");
}
