/**
 * Files the listing commands read and write: listings and answers as YAML or JSON (told by the
 * file's extension, or --format), scan reports as `amigate scan --format json` writes them, and
 * the catalogue-or-file choice every one of them makes (an AMI ID goes to the catalogue).
 */
import { promises as fsp } from "node:fs";
import { Option } from "commander";
import { loadYaml } from "../inspect/load-yaml.js";
import type { ScanResult } from "../policy/result.js";
import { ClientError, resolveCredentials } from "../server/client.js";
import type { Credentials } from "../server/sign.js";
import { InputFileError, readBounded } from "./statement-files.js";

export {
  parseDocumentText,
  readDocument,
  readDocumentText,
  statementsFromFiles,
} from "./statement-files.js";

/** A scan report holds the package list: larger than a listing, but bounded. */
const MAX_REPORT = 256 * 1024 * 1024;

export type DocumentFormat = "yaml" | "json";

export const formatOption = () =>
  new Option(
    "--format <format>",
    "output format (default: yaml, or the file's own for a .json file)",
  ).choices(["yaml", "json"]);

/** --endpoint, optional here: only an AMI ID target goes to the catalogue. */
export const optionalEndpoint = () =>
  new Option("--endpoint <url>", "the catalogue's URL (amigate serve), for an AMI ID").env(
    "AMIGATE_ENDPOINT",
  );

export const isImageId = (target: string) => /^ami-[0-9a-f]+$/.test(target);

/** The catalogue to call for an AMI ID target: its endpoint and the caller's credentials. */
export async function catalogueFor(
  target: string,
  endpoint: string | undefined,
): Promise<{ endpoint: string; creds: Credentials }> {
  if (!endpoint)
    throw new ClientError(
      `${target}: an AMI ID needs --endpoint (or AMIGATE_ENDPOINT): the catalogue it is in`,
    );
  return { endpoint, creds: await resolveCredentials() };
}

/** A scan report file (`amigate scan --format json -o FILE`). */
export async function readReport(file: string): Promise<ScanResult> {
  let report: Partial<ScanResult>;
  try {
    report = JSON.parse(await readBounded(file, MAX_REPORT)) as Partial<ScanResult>;
  } catch (e) {
    if (e instanceof InputFileError) throw e;
    throw new InputFileError(`${file}: not a JSON scan report (${(e as Error).message})`);
  }
  if (report?.schemaVersion !== 1 || !Array.isArray(report.findings) || typeof report.failOn !== "string")
    throw new InputFileError(`${file}: not an amigate scan report (amigate scan --format json -o ${file})`);
  return report as ScanResult;
}

export function formatFor(flag: string | undefined, file?: string): DocumentFormat {
  if (flag === "json" || flag === "yaml") return flag;
  return file?.endsWith(".json") ? "json" : "yaml";
}

export async function renderDocument(value: unknown, format: DocumentFormat): Promise<string> {
  if (format === "json") return `${JSON.stringify(value, null, 2)}\n`;
  const { stringify } = await loadYaml();
  return stringify(value, { lineWidth: 0 });
}

/** Writes to `output` (never over an existing file unless `force`) or stdout. */
export async function writeDocument(
  text: string,
  output: string | undefined,
  options: { force?: boolean } = {},
): Promise<void> {
  if (output === undefined) {
    process.stdout.write(text);
    return;
  }
  await fsp
    .writeFile(output, text, { flag: options.force ? "w" : "wx" })
    .catch((e: NodeJS.ErrnoException) => {
      if (e.code === "EEXIST") throw new ClientError(`${output}: exists (give --force to replace it)`);
      throw e;
    });
}

/** Replaces a file through a temporary sibling, so a failed write leaves the old one whole. */
export async function replaceFile(file: string, text: string): Promise<void> {
  const tmp = `${file}.amigate-tmp`;
  await fsp.writeFile(tmp, text);
  await fsp.rename(tmp, file);
}

/** Repeatable option values ("--set a=1 --set b=2"). */
export const collect = (value: string, previous: string[] = []) => [...previous, value];
