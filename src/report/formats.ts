/**
 * What `amigate scan --format` accepts. On its own, without the writers: the command's flags are
 * declared before the scan's modules load (cli/scan-command.ts).
 */
export const REPORT_FORMATS = ["text", "json", "sarif", "junit", "html"] as const;
export type ReportFormat = (typeof REPORT_FORMATS)[number];
