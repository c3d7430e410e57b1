import { readFileSync } from "node:fs";
import { shippedFile } from "./io/shipped-files.js";

/** The package version, read once from package.json (one source of truth). */
export const VERSION: string = (
  JSON.parse(readFileSync(shippedFile("package.json"), "utf8")) as { version: string }
).version;
