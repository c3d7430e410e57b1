export { type DbStatus, dbStatus, type ImportResult, importFile } from "./import.js";
export { defaultDbPath } from "./path.js";
export type { Advisory, AffectedPackage, RangeEvent } from "./records.js";
export { openVulnDb, SCHEMA_VERSION, type VulnDb } from "./schema.js";
