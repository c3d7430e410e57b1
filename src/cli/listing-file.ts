/**
 * A listing file rewritten after an edit: for YAML, the person's document changed only where the
 * listing changed, through yaml's Document API, so comments, key order, blank lines and how each
 * untouched value is written survive (an edited scalar keeps its own comment and style too; an
 * appended list item is added to the list as it stands). A JSON file is written whole.
 */
import type { Document } from "yaml";
import { loadYaml } from "../inspect/load-yaml.js";
import type { ListeningPort, Listing } from "../policy/listing/listing.js";
import { type DocumentFormat, renderDocument } from "./listing-io.js";

type Path = readonly string[];

/** The listing's fields as paths into its document, each compared and written on its own. */
const TEXT_PATHS: readonly Path[] = [
  ["imageId"],
  ["name"],
  ["product"],
  ["version"],
  ["publisher", "name"],
  ["publisher", "url"],
  ["os", "name"],
  ["os", "version"],
  ["architecture"],
  ["description"],
  ["usageInstructions"],
  ["releaseNotes", "date"],
  ["addOnTo"],
  ["dataCollection"],
];
const LIST_PATHS: readonly Path[] = [
  ["keyFeatures"],
  ["services"],
  ["listeningPorts"],
  ["externalDependencies"],
  ["releaseNotes", "notes"],
];

function valueAt(listing: Listing, path: Path): unknown {
  let v: unknown = listing;
  for (const key of path) v = (v as Record<string, unknown> | undefined)?.[key];
  return v;
}

const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

/** A port as people write it: "22/tcp", or the mapping when it names its service. */
const writtenPort = (p: ListeningPort) => (p.service ? { ...p } : `${p.port}/${p.protocol}`);
const written = (path: Path, item: unknown) =>
  path[0] === "listeningPorts" ? writtenPort(item as ListeningPort) : item;

/** Applies the difference between two listings to the document that gave the first. */
async function applyDifference(doc: Document, before: Listing, after: Listing): Promise<void> {
  const { isScalar, isSeq } = await loadYaml();
  for (const path of TEXT_PATHS) {
    const next = valueAt(after, path);
    if (same(valueAt(before, path), next)) continue;
    const node = doc.getIn(path, true);
    // The scalar itself keeps its comment and style ("|" blocks, quotes); only its value changes.
    // Listings are read trimmed: a block's final newline is kept so its "|" stays "|".
    if (isScalar(node))
      node.value = typeof node.value === "string" && node.value.endsWith("\n") ? `${next}\n` : next;
    else doc.setIn(path, next);
  }
  for (const path of LIST_PATHS) {
    const was = valueAt(before, path) as unknown[];
    const now = valueAt(after, path) as unknown[];
    if (same(was, now)) continue;
    const node = doc.getIn(path, true);
    const appended = now.length > was.length && same(now.slice(0, was.length), was);
    // Appending to the list as written keeps its items' comments; anything else replaces the
    // items of the list as written (its flow or block style and its comment stay).
    if (appended && isSeq(node) && node.items.length === was.length)
      for (const item of now.slice(was.length)) doc.addIn(path, written(path, item));
    else if (isSeq(node)) node.items = now.map((item) => doc.createNode(written(path, item)));
    else
      doc.setIn(
        path,
        now.map((item) => written(path, item)),
      );
  }
  if (!same(before.packages, after.packages)) {
    if (after.packages) doc.setIn(["packages"], after.packages);
    else doc.deleteIn(["packages"]);
  }
}

/**
 * The text to write for `file` (read as `text`, which gave `before`) now that it says `after`:
 * the same YAML document with only the changed values changed, or the whole JSON.
 */
export async function rewrittenListing(
  text: string,
  format: DocumentFormat,
  before: Listing,
  after: Listing,
): Promise<string> {
  if (format === "json") return renderDocument(after, "json");
  const { parseDocument } = await loadYaml();
  const doc = parseDocument(text);
  await applyDifference(doc, before, after);
  // yaml writes "[ a ]" or "[a]" for every flow collection: the way most of the file has them.
  const padded = (text.match(/[[{] [^\]}\s]/g) ?? []).length;
  const tight = (text.match(/[[{][^\]}\s]/g) ?? []).length;
  return doc.toString({ lineWidth: 0, flowCollectionPadding: padded > tight });
}
