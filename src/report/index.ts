import type { ScanResult } from "../policy/result.js";
import { renderHtml } from "./html.js";
import { renderJson } from "./json.js";
import { renderJunit } from "./junit.js";
import { renderSarif } from "./sarif.js";
import { renderText } from "./text.js";

export { renderHtml } from "./html.js";

/** What `amigate scan --format` accepts. */
export const REPORT_FORMATS = ["text", "json", "sarif", "junit", "html"] as const;
export type ReportFormat = (typeof REPORT_FORMATS)[number];

export interface RenderOptions {
  /** ANSI colours (text only): on for a TTY unless NO_COLOR is set. */
  color: boolean;
  /** false: the text report leaves out the attestation list (--no-attestations). */
  attestations?: boolean;
}

/** One writer per format; each renders the same ScanResult. */
export function renderReport(result: ScanResult, format: ReportFormat, options: RenderOptions): string {
  switch (format) {
    case "text":
      return renderText(result, {
        color: options.color,
        ...(options.attestations === false ? { attestations: false } : {}),
      });
    case "json":
      return renderJson(result);
    case "sarif":
      return renderSarif(result);
    case "junit":
      return renderJunit(result);
    case "html":
      return renderHtml(result);
  }
}
