/**
 * A listing: what a publisher says about one image version when sharing it, with the fields of the
 * sharing guide's template (source B, "Publishing shared AMIs": AMI ID, name, publisher, publisher
 * URL, OS, key features, description, daemons/services, release notes) and what the Marketplace
 * policies ask a listing to disclose (usage instructions, external dependencies, data collection,
 * the add-on sentence). Read from YAML or JSON written by people: every field but the image id may
 * be missing (the listing checks report it, PUB-1); a wrong type, an unknown field or an oversized
 * value is a ListingFormatError naming the field.
 */

export interface ListeningPort {
  port: number;
  protocol: "tcp" | "udp";
  /** The service that listens ("ssh.service"). */
  service?: string;
}

/**
 * How many packages the image has installed, as its scan counted them: `total`, and the same split
 * by package manager (`dpkg`, `rpm`, `apk`, `windows` for Windows' Uninstall entries). In YAML:
 *   packages:
 *     total: 173
 *     byEcosystem: { dpkg: 173 }
 */
export interface PackageCounts {
  total: number;
  byEcosystem: Record<string, number>;
}

export interface ReleaseNotes {
  /** YYYY-MM-DD: the template's "changes were made on [Date]". */
  date: string;
  notes: string[];
}

export interface Listing {
  /** AMI ID; "" until the image is registered (a local listing written before the push). */
  imageId: string;
  /** AMI name. */
  name: string;
  /** Listings of one owner with the same product are versions of one listing (release notes diff). */
  product: string;
  /** The version this image is ("1.4.2"), shown beside the name. */
  version: string;
  publisher: { name: string; url: string };
  os: { name: string; version: string };
  architecture: string;
  keyFeatures: string[];
  description: string;
  /** Daemons/services running: what the image starts at boot. */
  services: string[];
  listeningPorts: ListeningPort[];
  /**
   * Installed packages, from the scan. Absent when nothing counted them: a listing written without
   * it takes the scan's count where a scan is at hand (package-counts.ts), never a made-up one.
   */
  packages?: PackageCounts;
  usageInstructions: string;
  releaseNotes: ReleaseNotes;
  /** Set when the product extends another product (USE-8): that product's name. */
  addOnTo: string;
  /** Downloads at deployment and ongoing connections to external resources (USE-4, USE-6). */
  externalDependencies: string[];
  /** What customer data is collected, where it is stored and how it is used (CUS-3); "" if none. */
  dataCollection: string;
}

export class ListingFormatError extends Error {
  override readonly name = "ListingFormatError";
  constructor(
    readonly field: string,
    readonly expected: string,
  ) {
    super(`listing field ${field}: ${expected}`);
  }
}

/** Bounds on what a listing may hold: listings come from people and from API callers. */
export const LISTING_LIMITS = {
  shortText: 256,
  longText: 64 * 1024,
  listItems: 200,
  itemText: 1024,
  /** Package managers in packages.byEcosystem, and the largest count one may give. */
  ecosystems: 20,
  packageCount: 10_000_000,
} as const;

const IMAGE_ID = /^ami-[0-9a-f]{8}([0-9a-f]{9})?$/;
const DATE = /^\d{4}-\d{2}-\d{2}$/;

type Doc = Record<string, unknown>;

function isDoc(v: unknown): v is Doc {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function text(doc: Doc, key: string, field: string, max: number): string {
  const v = doc[key];
  if (v === undefined || v === null) return "";
  // YAML turns `version: 1.4` and `port: 22` into numbers; a number is what the person wrote.
  if (typeof v === "number" && Number.isFinite(v)) return String(v);
  if (typeof v !== "string") throw new ListingFormatError(field, "expected text");
  if (v.length > max) throw new ListingFormatError(field, `longer than ${max} characters`);
  return v.trim();
}

function textList(doc: Doc, key: string, field: string): string[] {
  const v = doc[key];
  if (v === undefined || v === null) return [];
  if (typeof v === "string") return v.trim() === "" ? [] : [text(doc, key, field, LISTING_LIMITS.itemText)];
  if (!Array.isArray(v)) throw new ListingFormatError(field, "expected a list of text");
  if (v.length > LISTING_LIMITS.listItems)
    throw new ListingFormatError(field, `more than ${LISTING_LIMITS.listItems} items`);
  return v
    .map((item, i) => text({ item }, "item", `${field}[${i}]`, LISTING_LIMITS.itemText))
    .filter((s) => s !== "");
}

function section(doc: Doc, key: string, field: string): Doc {
  const v = doc[key];
  if (v === undefined || v === null) return {};
  if (!isDoc(v)) throw new ListingFormatError(field, "expected a mapping");
  return v;
}

function onlyKnown(doc: Doc, known: readonly string[], where: string): void {
  for (const key of Object.keys(doc))
    if (!known.includes(key))
      throw new ListingFormatError(
        where === "" ? key : `${where}.${key}`,
        `unknown field (known: ${known.join(", ")})`,
      );
}

const FIELDS = [
  "imageId",
  "name",
  "product",
  "version",
  "publisher",
  "os",
  "architecture",
  "keyFeatures",
  "description",
  "services",
  "listeningPorts",
  "packages",
  "usageInstructions",
  "releaseNotes",
  "addOnTo",
  "externalDependencies",
  "dataCollection",
] as const;

function ports(doc: Doc): ListeningPort[] {
  const v = doc.listeningPorts;
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v)) throw new ListingFormatError("listeningPorts", "expected a list");
  if (v.length > LISTING_LIMITS.listItems)
    throw new ListingFormatError("listeningPorts", `more than ${LISTING_LIMITS.listItems} items`);
  return v.map((item, i) => {
    const field = `listeningPorts[${i}]`;
    // "22/tcp" is how people write it; the mapping form names the service too.
    if (typeof item === "string" || typeof item === "number") {
      const m = /^(\d{1,5})(?:\/(tcp|udp))?$/.exec(String(item).trim());
      if (!m)
        throw new ListingFormatError(field, 'expected "PORT/tcp", "PORT/udp" or {port, protocol, service}');
      return portOf(Number(m[1]), (m[2] ?? "tcp") as "tcp" | "udp", undefined, field);
    }
    if (!isDoc(item)) throw new ListingFormatError(field, "expected a port");
    onlyKnown(item, ["port", "protocol", "service"], field);
    const protocol = item.protocol ?? "tcp";
    if (protocol !== "tcp" && protocol !== "udp")
      throw new ListingFormatError(`${field}.protocol`, "tcp or udp");
    const service = text(item, "service", `${field}.service`, LISTING_LIMITS.shortText);
    return portOf(item.port, protocol, service || undefined, field);
  });
}

function portOf(
  port: unknown,
  protocol: "tcp" | "udp",
  service: string | undefined,
  field: string,
): ListeningPort {
  if (typeof port !== "number" || !Number.isInteger(port) || port < 1 || port > 65535)
    throw new ListingFormatError(`${field}.port`, "a port number from 1 to 65535");
  return { port, protocol, ...(service !== undefined ? { service } : {}) };
}

const ECOSYSTEM = /^[a-z][a-z0-9-]{0,31}$/;

function packageCount(v: unknown, field: string): number {
  if (typeof v !== "number" || !Number.isInteger(v) || v < 0 || v > LISTING_LIMITS.packageCount)
    throw new ListingFormatError(field, `a whole number from 0 to ${LISTING_LIMITS.packageCount}`);
  return v;
}

function packageCounts(doc: Doc): PackageCounts | undefined {
  const v = doc.packages;
  if (v === undefined || v === null) return undefined;
  if (!isDoc(v)) throw new ListingFormatError("packages", "expected {total, byEcosystem}");
  onlyKnown(v, ["total", "byEcosystem"], "packages");
  const total = packageCount(v.total, "packages.total");
  const by = section(v, "byEcosystem", "packages.byEcosystem");
  const names = Object.keys(by).sort();
  if (names.length > LISTING_LIMITS.ecosystems)
    throw new ListingFormatError("packages.byEcosystem", `more than ${LISTING_LIMITS.ecosystems} items`);
  const byEcosystem: Record<string, number> = {};
  for (const name of names) {
    if (!ECOSYSTEM.test(name))
      throw new ListingFormatError(`packages.byEcosystem.${name}`, "a package manager's name (dpkg, rpm…)");
    byEcosystem[name] = packageCount(by[name], `packages.byEcosystem.${name}`);
  }
  const sum = names.reduce((n, name) => n + byEcosystem[name]!, 0);
  if (names.length > 0 && sum !== total)
    throw new ListingFormatError("packages.total", `${total}, but byEcosystem adds up to ${sum}`);
  return { total, byEcosystem };
}

/**
 * A listing from a parsed YAML/JSON document. `imageId` may come from the caller (the catalogue
 * knows which image a listing belongs to); a document naming another image is refused.
 */
export function parseListing(doc: unknown, imageId?: string): Listing {
  if (doc === undefined || doc === null) doc = {};
  if (!isDoc(doc)) throw new ListingFormatError("(listing)", "expected a mapping of fields");
  onlyKnown(doc, FIELDS, "");
  const S = LISTING_LIMITS.shortText;
  const L = LISTING_LIMITS.longText;
  const id = text(doc, "imageId", "imageId", S) || imageId || "";
  if (id !== "" && !IMAGE_ID.test(id))
    throw new ListingFormatError("imageId", 'an AMI ID, "ami-" and 8 or 17 hex digits');
  if (imageId !== undefined && id !== imageId)
    throw new ListingFormatError("imageId", `this listing belongs to ${imageId}`);
  const publisher = section(doc, "publisher", "publisher");
  onlyKnown(publisher, ["name", "url"], "publisher");
  const os = section(doc, "os", "os");
  onlyKnown(os, ["name", "version"], "os");
  const notes = section(doc, "releaseNotes", "releaseNotes");
  onlyKnown(notes, ["date", "notes"], "releaseNotes");
  const date = text(notes, "date", "releaseNotes.date", S);
  if (date !== "" && !(DATE.test(date) && !Number.isNaN(Date.parse(date))))
    throw new ListingFormatError("releaseNotes.date", "a date, YYYY-MM-DD");
  const packages = packageCounts(doc);
  return {
    imageId: id,
    name: text(doc, "name", "name", S),
    product: text(doc, "product", "product", S),
    version: text(doc, "version", "version", S),
    publisher: {
      name: text(publisher, "name", "publisher.name", S),
      url: text(publisher, "url", "publisher.url", S),
    },
    os: { name: text(os, "name", "os.name", S), version: text(os, "version", "os.version", S) },
    architecture: text(doc, "architecture", "architecture", S),
    keyFeatures: textList(doc, "keyFeatures", "keyFeatures"),
    description: text(doc, "description", "description", L),
    services: textList(doc, "services", "services"),
    listeningPorts: ports(doc),
    ...(packages ? { packages } : {}),
    usageInstructions: text(doc, "usageInstructions", "usageInstructions", L),
    releaseNotes: { date, notes: textList(notes, "notes", "releaseNotes.notes") },
    addOnTo: text(doc, "addOnTo", "addOnTo", S),
    externalDependencies: textList(doc, "externalDependencies", "externalDependencies"),
    dataCollection: text(doc, "dataCollection", "dataCollection", L),
  };
}

/** A listing with every field empty but the image id (what `listing init` starts from). */
export function emptyListing(imageId = ""): Listing {
  return parseListing(imageId === "" ? {} : { imageId });
}

/** "173 (dpkg 173)"; "250 (dpkg 200, windows 50)". */
export function packageCountText(p: PackageCounts): string {
  const by = Object.entries(p.byEcosystem).map(([name, n]) => `${name} ${n}`);
  return by.length > 0 ? `${p.total} (${by.join(", ")})` : String(p.total);
}

/** "22/tcp (ssh.service)". */
export function portText(p: ListeningPort): string {
  return `${p.port}/${p.protocol}${p.service ? ` (${p.service})` : ""}`;
}
