/**
 * The owner's listing editor (with a preview and the listing checks), the attestations form and
 * the submission record; and the listing as consumers read it. The forms' fields are the
 * listing's (policy/listing/listing.ts); lists are one item per line.
 */
import { MAY_NOT_APPLY } from "../../../policy/listing/attestations.js";
import {
  type Listing,
  type PackageCounts,
  packageCountText,
  portText,
} from "../../../policy/listing/listing.js";
import type { SubmissionRecord } from "../../../policy/listing/submission.js";
import type { AttestationItem, MetadataCheck } from "../../../policy/result.js";
import { renderSubmissionSections } from "../../../report/submission.js";
import type { Image, StoredListing } from "../../store/types.js";
import { buttonForm, csrfField, h, type View, type Visitor } from "../layout.js";

const lines = (items: readonly string[]) => items.join("\n");
const listOf = (items: readonly string[]) =>
  items.length === 0 ? "" : `<ul>${items.map((i) => `<li>${h(i)}</li>`).join("")}</ul>`;

/** The form's values as typed. */
export function typedValues(form: URLSearchParams): Record<string, string> {
  return Object.fromEntries(FIELDS.map(([name]) => [name, form.get(name) ?? ""]));
}

/** The form's fields as the listing document the API takes (parseListing judges it). */
export function listingDocOf(form: URLSearchParams, imageId: string): Record<string, unknown> {
  const text = (k: string) => form.get(k) ?? "";
  const list = (k: string) =>
    text(k)
      .split(/\r?\n/)
      .map((s) => s.trim())
      .filter((s) => s !== "");
  return {
    imageId,
    name: text("name"),
    product: text("product"),
    version: text("version"),
    publisher: { name: text("publisherName"), url: text("publisherUrl") },
    os: { name: text("osName"), version: text("osVersion") },
    architecture: text("architecture"),
    keyFeatures: list("keyFeatures"),
    description: text("description"),
    services: list("services"),
    // "22/tcp ssh.service": a port, its protocol and the service; anything else is left for
    // parseListing to refuse with the line's position.
    listeningPorts: list("listeningPorts").map((line) => {
      const m = /^(\d{1,5})(?:\/(tcp|udp))?(?:\s+(\S.*))?$/.exec(line);
      return m ? { port: Number(m[1]), protocol: m[2] ?? "tcp", ...(m[3] ? { service: m[3] } : {}) } : line;
    }),
    usageInstructions: text("usageInstructions"),
    releaseNotes: { date: text("releaseDate"), notes: list("releaseNotes") },
    addOnTo: text("addOnTo"),
    externalDependencies: list("externalDependencies"),
    dataCollection: text("dataCollection"),
  };
}

/** The form's values from a listing (stored or drafted). */
export function valuesOf(l: Listing): Record<string, string> {
  return {
    name: l.name,
    product: l.product,
    version: l.version,
    publisherName: l.publisher.name,
    publisherUrl: l.publisher.url,
    osName: l.os.name,
    osVersion: l.os.version,
    architecture: l.architecture,
    keyFeatures: lines(l.keyFeatures),
    description: l.description,
    services: lines(l.services),
    listeningPorts: lines(
      l.listeningPorts.map((p) => `${p.port}/${p.protocol}${p.service ? ` ${p.service}` : ""}`),
    ),
    usageInstructions: l.usageInstructions,
    releaseDate: l.releaseNotes.date,
    releaseNotes: lines(l.releaseNotes.notes),
    addOnTo: l.addOnTo,
    externalDependencies: lines(l.externalDependencies),
    dataCollection: l.dataCollection,
  };
}

type FieldKind = "text" | "url" | "date" | "area" | "lines";
const FIELDS: Array<[name: string, label: string, kind: FieldKind, hint?: string]> = [
  ["name", "Name", "text"],
  ["product", "Product", "text", "versions of one product share it (release notes compare them)"],
  ["version", "Version", "text"],
  ["publisherName", "Publisher", "text"],
  ["publisherUrl", "Publisher URL", "url"],
  ["osName", "Operating system", "text"],
  ["osVersion", "OS version", "text"],
  ["architecture", "Architecture", "text"],
  ["keyFeatures", "Key features", "lines", "one per line"],
  ["description", "Description", "area"],
  [
    "services",
    "Daemons and services running",
    "lines",
    "one per line; filled from what the image starts at boot",
  ],
  ["listeningPorts", "Listening ports", "lines", "one per line: 22/tcp ssh.service"],
  ["usageInstructions", "Usage instructions", "area", "how to connect and start using it (DOC-1)"],
  ["releaseDate", "Release date", "date"],
  ["releaseNotes", "Release notes", "lines", "one change per line"],
  ["addOnTo", "Add-on to", "text", "the product this one extends, if any (USE-8)"],
  [
    "externalDependencies",
    "External dependencies",
    "lines",
    "downloads at deployment and external connections, one per line",
  ],
  [
    "dataCollection",
    "Data collection",
    "area",
    "what customer data is collected, where it is kept, how it is used; empty if none",
  ],
];

function fieldHtml(name: string, label: string, kind: FieldKind, value: string, hint?: string): string {
  const id = `l-${name}`;
  const described = hint ? ` aria-describedby="${id}-hint"` : "";
  const input =
    kind === "area" || kind === "lines"
      ? `<textarea id="${id}" name="${name}" rows="${kind === "area" ? 4 : 3}"${described}>${h(value)}</textarea>`
      : `<input type="${kind}" id="${id}" name="${name}" value="${h(value)}"${described}>`;
  return `<div class="field"><label for="${id}">${h(label)}</label>${input}${hint ? `<span class="hint" id="${id}-hint">${h(hint)}</span>` : ""}</div>`;
}

export function checksHtml(checks: readonly MetadataCheck[]): string {
  return (
    '<table class="list"><caption class="muted">Listing checks (policy clauses judged from the listing and the scan)</caption>' +
    '<thead><tr><th scope="col">Check</th><th scope="col">Clauses</th><th scope="col">Result</th></tr></thead><tbody>' +
    checks
      .map(
        (m) =>
          `<tr><td><code>${h(m.id)}</code><br><span class="muted">${h(m.check)}</span></td><td>${h(m.clauses.join(", "))}</td>` +
          `<td>${m.status === "passed" ? '<span class="pass-text">passed</span>' : m.status === "failed" ? '<strong class="high">failed</strong>' : h(m.status)}` +
          listOf((m.findings ?? []).map((f) => f.message)) +
          "</td></tr>",
      )
      .join("") +
    "</tbody></table>"
  );
}

/** The listing as the catalogue shows it to consumers. */
export function listingHtml(l: Listing, headingLevel: 2 | 3 = 2): string {
  const hn = `h${headingLevel}`;
  const rows: Array<[string, string]> = [];
  const add = (k: string, v: string) => {
    if (v !== "") rows.push([k, v]);
  };
  add("Version", h(l.version));
  add("Operating system", h(`${l.os.name} ${l.os.version}`.trim()));
  add("Architecture", h(l.architecture));
  add("Key features", listOf(l.keyFeatures));
  add("Daemons and services", listOf(l.services));
  add("Listening ports", h(l.listeningPorts.map(portText).join(", ")));
  add("Installed packages", l.packages ? h(packageCountText(l.packages)) : "");
  add("External dependencies", listOf(l.externalDependencies));
  add("Data collection", h(l.dataCollection));
  add("Add-on to", h(l.addOnTo));
  return (
    `<${hn}>About ${h(l.name || l.product)}</${hn}>` +
    (l.description ? `<p>${h(l.description)}</p>` : "") +
    `<dl class="facts">${rows.map(([k, v]) => `<dt>${k}</dt><dd>${v}</dd>`).join("")}</dl>` +
    (l.usageInstructions
      ? `<${hn}>Usage instructions</${hn}><p class="prewrap">${h(l.usageInstructions)}</p>`
      : "") +
    (l.releaseNotes.date || l.releaseNotes.notes.length > 0
      ? `<${hn}>What's new</${hn}><p>The following changes were made on ${h(l.releaseNotes.date || "(no date)")}.</p>${listOf(l.releaseNotes.notes)}`
      : "")
  );
}

export interface ListingEditorInput {
  visitor: Visitor;
  image: Image;
  /** What the form shows: the stored listing, a draft from the scan, or what was just typed. */
  values: Record<string, string>;
  stored: StoredListing | undefined;
  /** The listing's checks (of the stored listing, or of the previewed one). */
  checks?: MetadataCheck[];
  /** The listing as typed, shown as the catalogue would (not saved). */
  preview?: Listing;
  /** The package counts the listing has or will get from the scan (no form field: the scan's). */
  packages?: PackageCounts;
  error?: string;
  notice?: string;
  status?: number;
}

export function listingEditorView(o: ListingEditorInput): View {
  const { visitor: v, image } = o;
  const { values } = o;
  const base = `/images/${image.imageId}`;
  const state = !o.stored
    ? "No listing saved yet: the form is a draft filled from the scan."
    : o.stored.publishedAt
      ? "Published: the catalogue shows this listing."
      : "Saved, not published.";
  const publish = o.stored
    ? o.stored.publishedAt
      ? buttonForm(v, `${base}/listing/publish`, "Unpublish", { op: "unpublish" })
      : image.isPublic
        ? buttonForm(v, `${base}/listing/publish`, "Publish", { op: "publish" }, "primary")
        : `<span>Publishing needs the image public first (<a href="${base}#permissions">launch permissions</a>).</span>`
    : "";
  const parts = [
    `<h1>Listing of ${h(image.name)}</h1>`,
    `<p><a href="${base}">Back to the image</a> · <a href="${base}/attestations">Attestations</a> · <a href="${base}/submission">Submission record</a></p>`,
  ];
  if (o.notice) parts.push(`<p class="notice" role="status">${h(o.notice)}</p>`);
  if (o.error) parts.push(`<div class="alert" role="alert"><h2>Not saved</h2><p>${h(o.error)}</p></div>`);
  parts.push(`<p>${h(state)}</p>`, `<div class="actions">${publish}</div>`);
  // The form beside what it gives: the preview and the checks stay in view while editing.
  const form =
    `<form method="post" action="${base}/listing" aria-label="Listing">${csrfField(v)}` +
    FIELDS.map(([name, label, kind, hint]) => fieldHtml(name, label, kind, values[name] ?? "", hint)).join(
      "",
    ) +
    `<p class="field">Installed packages: ${o.packages ? h(packageCountText(o.packages)) : "not counted (no scan with a package database)"} <span class="hint">counted by the scan, not typed</span></p>` +
    '<div class="actions"><button type="submit" name="intent" value="preview">Preview</button>' +
    '<button type="submit" name="intent" value="save" class="primary">Save listing</button></div></form>';
  const side: string[] = [];
  if (o.preview)
    side.push(
      '<section class="preview" aria-labelledby="preview"><h2 id="preview">Preview (not saved)</h2>' +
        listingHtml(o.preview, 3) +
        "</section>",
    );
  side.push(
    '<section aria-labelledby="checks"><h2 id="checks">Checks</h2>' +
      (o.checks
        ? checksHtml(o.checks.filter((m) => m.judgedBy === "listing"))
        : "<p>Preview or save to see the listing checks.</p>") +
      "</section>",
  );
  parts.push(`<div class="two-col"><div>${form}</div><div>${side.join("")}</div></div>`);
  return { status: o.status ?? 200, title: `Listing of ${image.name}`, main: parts.join("\n") };
}

export interface AttestationsInput {
  visitor: Visitor;
  image: Image;
  items: AttestationItem[];
  /** What was just typed, by item id (kept when the answers are refused). */
  typed?: Map<string, { answer: string; comment: string }>;
  error?: string;
  notice?: string;
  status?: number;
}

export function attestationsView(o: AttestationsInput): View {
  const base = `/images/${o.image.imageId}`;
  const fieldsets = o.items.map((a, i) => {
    const typed = o.typed?.get(a.id);
    const chosen = typed?.answer ?? a.answer?.answer ?? "";
    const comment = typed?.comment ?? a.answer?.comment ?? "";
    const choices = ["yes", "no", ...(MAY_NOT_APPLY.has(a.id) ? ["not-applicable"] : [])];
    const radios = choices
      .map(
        (c) =>
          `<label class="check"><input type="radio" name="answer-${h(a.id)}" value="${c}"${chosen === c ? " checked" : ""}> ${c === "not-applicable" ? "does not apply" : c}</label>`,
      )
      .join("");
    const by = a.answer
      ? `<p class="muted">Answered ${h(a.answer.answer)} by ${h(a.answer.by)} on ${h(a.answer.at.slice(0, 10))}.</p>`
      : "";
    return (
      `<fieldset><legend>${i + 1}. ${h(a.statement)} <span class="clauses">${h(a.clauses.join(", "))}</span></legend>` +
      `<div class="actions" role="radiogroup" aria-label="Answer to statement ${i + 1}">${radios}</div>` +
      `<div class="field"><label for="c-${h(a.id)}">Comment</label><textarea id="c-${h(a.id)}" name="comment-${h(a.id)}" rows="2" aria-describedby="c-${h(a.id)}-hint">${h(comment)}</textarea>` +
      `<span class="hint" id="c-${h(a.id)}-hint">required when the answer is no${MAY_NOT_APPLY.has(a.id) ? " or does not apply" : ""}</span></div>${by}</fieldset>`
    );
  });
  const unanswered = o.items.filter((a) => !a.answer).length;
  return {
    status: o.status ?? 200,
    title: `Attestations for ${o.image.name}`,
    main: [
      `<h1>Attestations for ${h(o.image.name)}</h1>`,
      `<p><a href="${base}">Back to the image</a> · <a href="${base}/listing">Listing</a> · <a href="${base}/submission">Submission record</a></p>`,
      "<p>Statements only you, the publisher, can make about this image version. Each answer is kept with who gave it and when, and goes into every report and the submission record.</p>",
      `<p>${unanswered === 0 ? "Every statement is answered." : `${unanswered} of ${o.items.length} statements still need an answer.`}</p>`,
      o.notice ? `<p class="notice" role="status">${h(o.notice)}</p>` : "",
      o.error ? `<div class="alert" role="alert"><h2>Not saved</h2><p>${h(o.error)}</p></div>` : "",
      `<form method="post" action="${base}/attestations">${csrfField(o.visitor)}${fieldsets.join("")}`,
      '<button type="submit" class="primary">Save answers</button></form>',
    ].join("\n"),
  };
}

/** The answers a form gives, for the attestations endpoint ({answers: [{id, answer, comment}]}). */
export function answersOf(form: URLSearchParams, items: readonly AttestationItem[]) {
  const typed = new Map<string, { answer: string; comment: string }>();
  const answers: Array<{ id: string; answer: string; comment?: string }> = [];
  for (const a of items) {
    const answer = form.get(`answer-${a.id}`) ?? "";
    const comment = (form.get(`comment-${a.id}`) ?? "").trim();
    typed.set(a.id, { answer, comment });
    if (answer !== "") answers.push({ id: a.id, answer, ...(comment !== "" ? { comment } : {}) });
  }
  return { typed, answers };
}

export function submissionView(image: Image, record: SubmissionRecord): View {
  const base = `/images/${image.imageId}`;
  return {
    title: `Submission record of ${image.name}`,
    main:
      `<p><a href="${base}">Back to the image</a> · <a href="${base}/listing">Listing</a> · <a href="${base}/attestations">Attestations</a>` +
      ` · <a href="${base}/submission.json">as JSON</a></p>` +
      renderSubmissionSections(record),
  };
}
