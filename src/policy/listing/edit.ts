/**
 * Field edits given on a command line (`amigate listing edit --set publisher.url=… --add
 * keyFeatures=…`), applied to a listing and checked by parseListing like any listing.
 */
import { type Listing, ListingFormatError, parseListing } from "./listing.js";

/** Fields that hold lists: --set replaces them (repeat it for more items), --add appends. */
const LIST_FIELDS = new Set([
  "keyFeatures",
  "services",
  "listeningPorts",
  "externalDependencies",
  "releaseNotes.notes",
]);
const TEXT_FIELDS = new Set([
  "imageId",
  "name",
  "product",
  "version",
  "publisher.name",
  "publisher.url",
  "os.name",
  "os.version",
  "architecture",
  "description",
  "usageInstructions",
  "releaseNotes.date",
  "addOnTo",
  "dataCollection",
]);

export interface FieldEdit {
  field: string;
  value: string;
  /** Append to a list field instead of replacing it. */
  add?: boolean;
}

/** "publisher.url=https://…" → {field, value}; the value may hold "=". */
export function parseFieldEdit(text: string, add = false): FieldEdit {
  const i = text.indexOf("=");
  if (i <= 0) throw new ListingFormatError(text, "expected FIELD=VALUE");
  const field = text.slice(0, i).trim();
  if (!TEXT_FIELDS.has(field) && !LIST_FIELDS.has(field))
    throw new ListingFormatError(
      field,
      `unknown field (known: ${[...TEXT_FIELDS, ...LIST_FIELDS].join(", ")})`,
    );
  if (add && !LIST_FIELDS.has(field))
    throw new ListingFormatError(field, "--add is for list fields; use --set");
  return { field, value: text.slice(i + 1), ...(add ? { add } : {}) };
}

/** The listing with the edits applied in order (a list field's first --set clears it). */
export function applyFieldEdits(listing: Listing, edits: readonly FieldEdit[]): Listing {
  const doc = JSON.parse(JSON.stringify(listing)) as Record<string, unknown>;
  const cleared = new Set<string>();
  for (const { field, value, add } of edits) {
    const path = field.split(".");
    let parent = doc;
    for (const key of path.slice(0, -1)) parent = parent[key] as Record<string, unknown>;
    const key = path[path.length - 1]!;
    if (!LIST_FIELDS.has(field)) {
      parent[key] = value;
      continue;
    }
    const current = Array.isArray(parent[key]) ? (parent[key] as unknown[]) : [];
    const base = add || cleared.has(field) ? current : [];
    cleared.add(field);
    // Ports are stored as mappings; "22/tcp" is how they are written.
    parent[key] = value === "" ? base : [...base, value];
  }
  return parseListing(doc);
}
