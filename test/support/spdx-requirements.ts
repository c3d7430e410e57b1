/**
 * What SPDX 2.3 requires of a JSON document, from the specification (spdx-spec v2.3: chapter 6
 * document creation, 7 packages, 11 relationships, and the JSON serialisation's field names), in
 * our own words. No package installed here ships the official SPDX 2.3 JSON schema
 * (spdx/spdx-spec schemas/spdx-schema.json), so this hand-written check stands in for it. Enumerated
 * values are spelled as the JSON serialisation spells them (OPERATING_SYSTEM, where tag-value has
 * OPERATING-SYSTEM; PACKAGE-MANAGER).
 */

const ID = /^SPDXRef-[A-Za-z0-9.-]+$/;
const CREATED = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/;
const CREATOR = /^(Person|Organization|Tool): \S/;
const PURPOSES = new Set([
  "APPLICATION",
  "FRAMEWORK",
  "LIBRARY",
  "CONTAINER",
  "OPERATING_SYSTEM",
  "DEVICE",
  "FIRMWARE",
  "SOURCE",
  "ARCHIVE",
  "FILE",
  "INSTALL",
  "OTHER",
]);
const REFERENCE_CATEGORIES = new Set([
  "SECURITY",
  "PACKAGE-MANAGER",
  "PACKAGE_MANAGER",
  "PERSISTENT-ID",
  "OTHER",
]);
/** Spec 11.1's relationship types used by SBOM tools (a subset is enough to reject typos). */
const RELATIONSHIP_TYPES = new Set([
  "DESCRIBES",
  "DESCRIBED_BY",
  "CONTAINS",
  "CONTAINED_BY",
  "DEPENDS_ON",
  "DEPENDENCY_OF",
  "GENERATED_FROM",
  "OTHER",
]);
const PACKAGE_FIELDS = new Set([
  "name",
  "SPDXID",
  "versionInfo",
  "packageFileName",
  "supplier",
  "originator",
  "downloadLocation",
  "filesAnalyzed",
  "packageVerificationCode",
  "checksums",
  "homepage",
  "sourceInfo",
  "licenseConcluded",
  "licenseInfoFromFiles",
  "licenseDeclared",
  "licenseComments",
  "copyrightText",
  "summary",
  "description",
  "comment",
  "externalRefs",
  "attributionTexts",
  "primaryPackagePurpose",
  "releaseDate",
  "builtDate",
  "validUntilDate",
  "annotations",
  "hasFiles",
]);

type Json = Record<string, unknown>;

/** Every departure from SPDX 2.3's requirements, as "where: what"; empty when the document is fine. */
export function spdxProblems(doc: Json): string[] {
  const problems: string[] = [];
  const say = (at: string, what: string) => problems.push(`${at}: ${what}`);
  if (doc.spdxVersion !== "SPDX-2.3") say("spdxVersion", "must be SPDX-2.3");
  if (doc.dataLicense !== "CC0-1.0") say("dataLicense", "must be CC0-1.0");
  if (doc.SPDXID !== "SPDXRef-DOCUMENT") say("SPDXID", "must be SPDXRef-DOCUMENT");
  if (typeof doc.name !== "string" || doc.name === "") say("name", "required");
  const ns = doc.documentNamespace;
  if (typeof ns !== "string" || !/^[A-Za-z][A-Za-z0-9+.-]*:\/\/\S+$/.test(ns) || ns.includes("#"))
    say("documentNamespace", "an absolute URI without #");
  const info = doc.creationInfo as Json | undefined;
  if (typeof info?.created !== "string" || !CREATED.test(info.created))
    say("creationInfo.created", "YYYY-MM-DDThh:mm:ssZ");
  const creators = info?.creators;
  if (!Array.isArray(creators) || creators.length === 0) say("creationInfo.creators", "at least one");
  else
    creators.forEach((c, i) => {
      if (typeof c !== "string" || !CREATOR.test(c))
        say(`creationInfo.creators[${i}]`, "Person:, Organization: or Tool:");
    });

  const ids = new Set<string>(["SPDXRef-DOCUMENT"]);
  const packages = Array.isArray(doc.packages) ? (doc.packages as Json[]) : [];
  packages.forEach((p, i) => {
    const at = `packages[${i}]`;
    for (const k of Object.keys(p)) if (!PACKAGE_FIELDS.has(k)) say(`${at}.${k}`, "not a package field");
    if (typeof p.name !== "string" || p.name === "") say(`${at}.name`, "required");
    if (typeof p.SPDXID !== "string" || !ID.test(p.SPDXID)) say(`${at}.SPDXID`, "SPDXRef-[A-Za-z0-9.-]+");
    else if (ids.has(p.SPDXID)) say(`${at}.SPDXID`, `${p.SPDXID} is not unique`);
    else ids.add(p.SPDXID);
    const dl = p.downloadLocation;
    if (typeof dl !== "string" || !(dl === "NONE" || dl === "NOASSERTION" || /^\S+:\S+$/.test(dl)))
      say(`${at}.downloadLocation`, "required: NONE, NOASSERTION or a location");
    if (p.filesAnalyzed !== false && p.packageVerificationCode === undefined)
      say(`${at}.filesAnalyzed`, "files analysed (the default) need a packageVerificationCode");
    if (p.primaryPackagePurpose !== undefined && !PURPOSES.has(p.primaryPackagePurpose as string))
      say(`${at}.primaryPackagePurpose`, "not a purpose SPDX defines");
    for (const k of ["licenseConcluded", "licenseDeclared", "copyrightText"] as const)
      if (p[k] !== undefined && (typeof p[k] !== "string" || p[k] === ""))
        say(`${at}.${k}`, "a non-empty string");
    const refs = p.externalRefs;
    if (refs !== undefined) {
      if (!Array.isArray(refs)) say(`${at}.externalRefs`, "a list");
      else
        (refs as Json[]).forEach((r, j) => {
          const ra = `${at}.externalRefs[${j}]`;
          if (!REFERENCE_CATEGORIES.has(r.referenceCategory as string))
            say(`${ra}.referenceCategory`, "not a category");
          if (typeof r.referenceType !== "string" || r.referenceType === "")
            say(`${ra}.referenceType`, "required");
          if (typeof r.referenceLocator !== "string" || !/^\S+$/.test(r.referenceLocator))
            say(`${ra}.referenceLocator`, "required, no spaces");
          if (r.referenceType === "purl" && !/^pkg:[a-z0-9.+-]+\/\S+$/.test(r.referenceLocator as string))
            say(`${ra}.referenceLocator`, "a purl");
        });
    }
  });

  const relationships = Array.isArray(doc.relationships) ? (doc.relationships as Json[]) : [];
  const known = (id: unknown) =>
    typeof id === "string" && (ids.has(id) || id === "NONE" || id === "NOASSERTION");
  relationships.forEach((r, i) => {
    const at = `relationships[${i}]`;
    if (!known(r.spdxElementId)) say(`${at}.spdxElementId`, `${String(r.spdxElementId)} names no element`);
    if (!known(r.relatedSpdxElement))
      say(`${at}.relatedSpdxElement`, `${String(r.relatedSpdxElement)} names no element`);
    if (!RELATIONSHIP_TYPES.has(r.relationshipType as string))
      say(`${at}.relationshipType`, "not a relationship type");
  });
  const describes =
    (Array.isArray(doc.documentDescribes) && doc.documentDescribes.length > 0) ||
    relationships.some((r) => r.spdxElementId === "SPDXRef-DOCUMENT" && r.relationshipType === "DESCRIBES");
  if (!describes) say("relationships", "the document DESCRIBES nothing");
  return problems;
}
