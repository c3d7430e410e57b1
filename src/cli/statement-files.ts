/**
 * Listing and answers files as the commands read them (YAML or JSON, bounded), and the statements
 * a local scan report is judged with (`amigate scan --listing --attestations`). Kept apart from the
 * catalogue client so `amigate scan` loads nothing of the server.
 */
import { promises as fsp } from "node:fs";
import { loadYaml } from "../inspect/load-yaml.js";
import { parseAnswersFile } from "../policy/listing/attestations.js";
import type { Statements } from "../policy/listing/judge.js";
import { parseListing } from "../policy/listing/listing.js";

/** Listings and answers are small; a file larger than this is not one. */
const MAX_DOCUMENT = 4 * 1024 * 1024;

/** A file named on the command line that cannot be used as what it should be. */
export class InputFileError extends Error {
  override readonly name = "InputFileError";
}

/** A file of at most `max` bytes, as text. */
export async function readBounded(file: string, max: number): Promise<string> {
  const st = await fsp.stat(file).catch(() => undefined);
  if (!st?.isFile()) throw new InputFileError(`${file}: no such file`);
  if (st.size > max) throw new InputFileError(`${file}: larger than ${max} bytes`);
  return fsp.readFile(file, "utf8");
}

/** A YAML or JSON document (YAML 1.2 reads JSON too). */
export async function readDocument(file: string): Promise<unknown> {
  return (await readDocumentText(file)).value;
}

/** A YAML or JSON document and the text it was read from (to rewrite it keeping what it says). */
export async function readDocumentText(file: string): Promise<{ text: string; value: unknown }> {
  const text = await readBounded(file, MAX_DOCUMENT);
  return { text, value: await parseDocumentText(text, file) };
}

/** The value of a YAML or JSON text; `file` names it in the error. */
export async function parseDocumentText(text: string, file: string): Promise<unknown> {
  const { parse } = await loadYaml();
  try {
    return parse(text, { maxAliasCount: 100 }) as unknown;
  } catch (e) {
    throw new InputFileError(`${file}: not valid YAML or JSON (${(e as Error).message.split("\n")[0]})`);
  }
}

/**
 * The statements a local scan report is judged with (`amigate scan --listing --attestations`):
 * read before the scan, so a bad file stops it at once.
 */
export async function statementsFromFiles(flags: {
  listing?: string;
  attestations?: string;
}): Promise<Statements | undefined> {
  if (flags.listing === undefined && flags.attestations === undefined) return undefined;
  return {
    ...(flags.listing !== undefined ? { listing: parseListing(await readDocument(flags.listing)) } : {}),
    ...(flags.attestations !== undefined
      ? { answers: parseAnswersFile(await readDocument(flags.attestations)) }
      : {}),
  };
}
