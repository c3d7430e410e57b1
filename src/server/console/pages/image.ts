/**
 * One image. The owner sees its facts, its launch permissions with the forms that change them, and
 * the scan report; anyone else who may see it (shared with them, or public) first reads what the
 * scan found in it and who published it (treat shared images as foreign code). A refusal of a
 * change shows why; a refusal by the gate lists the findings and the fix command.
 */
import { withStatements } from "../../../policy/listing/judge.js";
import type { Finding, ScanResult } from "../../../policy/result.js";
import { atLeast, SEVERITIES } from "../../../policy/severity.js";
import { locationOf } from "../../../report/common.js";
import { renderHtmlSections } from "../../../report/html.js";
import type { Ec2Error } from "../../ec2/errors.js";
import { statementsOf } from "../../statements.js";
import type { Image, LaunchPermission, ScanRecord, StoredListing } from "../../store/types.js";
import type { ConsoleData, ScanSummary } from "../data.js";
import { buttonForm, csrfField, h, type View, type Visitor, when } from "../layout.js";
import { LIFECYCLE_NOTICES, lifecycleHtml } from "./lifecycle.js";
import { listingHtml } from "./listing.js";
import { ownerHtml } from "./lists.js";
import { listingStateHtml, verdictHtml, visibilityHtml } from "./parts.js";

/** What a finished change says on the page it returns to (?done=…). */
export const DONE_NOTICES: Record<string, string> = {
  shared: "The image is shared with the account.",
  unshared: "The account's launch permission is removed.",
  public: "The image is public.",
  private: "The image is private again; its listing, if published, is unpublished.",
  ...LIFECYCLE_NOTICES,
};

export interface ImagePageInput {
  data: ConsoleData;
  visitor: Visitor | undefined;
  image: Image;
  done?: string | undefined;
  /** A refused change, shown at the top. */
  refusal?: { change: string; error: Ec2Error } | undefined;
  /** The endpoint URL, for the commands the page suggests. */
  endpoint: string;
  /** The server's clock (deprecation and protection states depend on it). */
  now?: Date;
}

const failingOf = (r: ScanResult): Finding[] => r.findings.filter((f) => atLeast(f.severity, r.failOn));

function findingsList(findings: Finding[], multiRoot: boolean): string {
  return (
    "<ul>" +
    findings
      .map((f) => {
        const where = locationOf(f, multiRoot);
        return (
          `<li><span class="sev ${f.severity}">${f.severity}</span> <code>${h(f.rule)}</code> ${h(f.title)}` +
          (where ? ` — <span class="loc">${h(where)}</span>` : "") +
          "</li>"
        );
      })
      .join("") +
    "</ul>"
  );
}

/** The fix operations for the failing findings, and what has none (fixed by hand). */
export function fixCommand(failing: Finding[], endpoint: string, imageName: string): string {
  const ops = [...new Set(failing.filter((f) => f.fixable && f.fix).map((f) => f.fix!))].sort();
  const byHand = new Map<string, string>();
  for (const f of failing) if (!f.fixable || !f.fix) byHand.set(f.rule, f.remediation);
  const parts: string[] = ["<h3>How to fix it</h3>"];
  if (ops.length > 0)
    parts.push(
      "<p>Clean the image you pushed, then push it again (a new image is scanned as it arrives):</p>",
      `<pre class="command"><code>amigate fix IMAGE-FILE --only ${h(ops.join(","))} --yes\n` +
        `amigate push IMAGE-FILE --name ${h(imageName)}-fixed --endpoint ${h(endpoint)}</code></pre>`,
    );
  if (byHand.size > 0)
    parts.push(
      "<p>No fix operation covers these; change the image by hand:</p><ul>" +
        [...byHand].map(([rule, how]) => `<li><code>${h(rule)}</code>: ${h(how)}</li>`).join("") +
        "</ul>",
    );
  return parts.join("");
}

function refusalHtml(
  refusal: NonNullable<ImagePageInput["refusal"]>,
  report: ScanResult | undefined,
  endpoint: string,
  image: Image,
): string {
  const { error } = refusal;
  const byGate = error.code === "OperationNotPermitted" && error.message.includes("cannot be shared");
  if (!byGate)
    return (
      `<div class="alert" role="alert"><h2>Not done: ${h(refusal.change)}</h2>` +
      `<p><code>${h(error.code)}</code>: ${h(error.message)}</p></div>`
    );
  const failing = report ? failingOf(report) : [];
  return (
    '<div class="alert" role="alert"><h2>The gate refused to make this image public</h2>' +
    `<p>${h(error.message)}</p>` +
    (failing.length > 0
      ? `<h3>Findings at or above ${h(report!.failOn)}</h3>${findingsList(failing, report!.roots.length > 1)}` +
        fixCommand(failing, endpoint, image.name)
      : "") +
    "</div>"
  );
}

function factsHtml(image: Image, permissions: readonly LaunchPermission[], owner: string): string {
  const rows: Array<[string, string]> = [
    ["Image id", `<code>${h(image.imageId)}</code>`],
    ["Owner", owner],
    ["Created", when(image.creationDate)],
    ["State", h(image.state)],
    ["Architecture", h(image.architecture)],
    ["Platform", h(image.platformDetails)],
    ["Visibility", visibilityHtml(image, permissions)],
  ];
  if (image.description) rows.push(["Description", h(image.description)]);
  return `<dl class="facts">${rows.map(([k, v]) => `<dt>${k}</dt><dd>${v}</dd>`).join("")}</dl>`;
}

function permissionsHtml(v: Visitor, image: Image, permissions: readonly LaunchPermission[]): string {
  const action = `/images/${image.imageId}/launch-permission`;
  const accounts = permissions.flatMap((p) => ("userId" in p ? [p.userId] : []));
  const list =
    accounts.length === 0
      ? "<p>Not shared with any account.</p>"
      : '<table class="list"><caption class="muted">Accounts that may launch this image</caption>' +
        '<thead><tr><th scope="col">Account</th><th scope="col">Change</th></tr></thead><tbody>' +
        accounts
          .map(
            (a) =>
              `<tr><td><code>${h(a)}</code></td><td>${buttonForm(v, action, `Remove ${a}`, { op: "unshare", accountId: a })}</td></tr>`,
          )
          .join("") +
        "</tbody></table>";
  const share =
    `<form method="post" action="${h(action)}">${csrfField(v)}<input type="hidden" name="op" value="share">` +
    '<div class="field"><label for="share-account">Share with account</label>' +
    '<input type="text" id="share-account" name="accountId" inputmode="numeric" autocomplete="off" ' +
    'pattern="[0-9]{12}" required aria-describedby="share-hint">' +
    '<span class="hint" id="share-hint">12 digits, no hyphens</span></div>' +
    '<button type="submit">Share</button></form>';
  const publicForm = image.isPublic
    ? buttonForm(v, action, "Make private", { op: "make-private" })
    : buttonForm(v, action, "Make public", { op: "make-public" }, "primary");
  return (
    '<h2 id="permissions">Launch permissions</h2>' +
    list +
    share +
    `<div class="actions"><span>${image.isPublic ? "Public: any account may launch it." : "Public sharing runs the gate: the latest scan must pass."}</span>${publicForm}</div>`
  );
}

/** "What we found in it": the verdict, counts by severity and the failing findings. */
function foundHtml(
  summary: ScanSummary,
  report: ScanResult | undefined,
  scan: ScanRecord | undefined,
): string {
  const parts = ['<section class="found" aria-labelledby="found"><h2 id="found">What we found in it</h2>'];
  parts.push(`<p>${verdictHtml(summary)}</p>`);
  if (scan?.status === "failed") parts.push(`<p>The scan failed: ${h(scan.error ?? "unknown error")}</p>`);
  if (report) {
    parts.push(
      `<p>${report.findings.length} finding${report.findings.length === 1 ? "" : "s"}: ` +
        SEVERITIES.map((s) => `<span class="${s}">${s} ${report.summary[s]}</span>`).join(", ") +
        (summary.os ? `. Operating system: ${h(summary.os)}` : "") +
        `. Scanned ${when(report.scannedAt)}.</p>`,
    );
    const failing = failingOf(report);
    if (failing.length > 0) parts.push(findingsList(failing, report.roots.length > 1));
    if (report.checks?.vulnerabilities.state !== "checked")
      parts.push("<p>Known vulnerabilities were <strong>not checked</strong> in this scan.</p>");
  }
  parts.push("</section>");
  return parts.join("");
}

function publisherHtml(image: Image, listing: StoredListing | undefined, data: ConsoleData): string {
  const l = listing?.listing;
  const rows: Array<[string, string]> = [["Publisher", ownerHtml(image, data.publisherName(image, listing))]];
  if (l?.publisher.url && /^https?:\/\//.test(l.publisher.url))
    rows.push([
      "Publisher URL",
      `<a href="${h(l.publisher.url)}" rel="noopener noreferrer">${h(l.publisher.url)}</a>`,
    ]);
  rows.push(["Created", when(image.creationDate)], ["Image id", `<code>${h(image.imageId)}</code>`]);
  if (l?.version) rows.push(["Version", h(l.version)]);
  return (
    '<section aria-labelledby="publisher"><h2 id="publisher">Who published it</h2>' +
    `<dl class="facts">${rows.map(([k, v]) => `<dt>${k}</dt><dd>${v}</dd>`).join("")}</dl></section>`
  );
}

function ownerListingHtml(image: Image, listing: StoredListing | undefined): string {
  const base = `/images/${h(image.imageId)}`;
  const state = !listing ? "none" : listing.publishedAt ? "published" : "draft";
  return (
    '<h2 id="listing">Listing</h2>' +
    `<p>Listing: ${listingStateHtml(state)}. ` +
    (state === "none"
      ? "Write one from a draft the scan fills in."
      : state === "draft"
        ? image.isPublic
          ? "Publish it from the editor."
          : "It can be published once the image is public."
        : "The public catalogue shows it.") +
    "</p>" +
    `<ul><li><a href="${base}/listing">${state === "none" ? "Write the listing" : "Edit the listing"}</a></li>` +
    `<li><a href="${base}/attestations">Answer the attestations</a></li>` +
    `<li><a href="${base}/submission">Submission record</a></li></ul>`
  );
}

export async function imageView(input: ImagePageInput): Promise<View> {
  const { data, visitor, image } = input;
  const owner = visitor?.accountId === image.ownerId;
  const permissions = owner ? await data.store.launchPermissions(image.imageId) : [];
  const { scan, report } = await data.report(image.imageId);
  const summary = await data.summary(image.imageId);
  const listing = await data.shownListing(visitor?.accountId, image);
  const parts: string[] = [`<h1>${h(image.name)}</h1>`];
  const notice = input.done ? DONE_NOTICES[input.done] : undefined;
  if (notice) parts.push(`<p class="notice" role="status">${h(notice)}</p>`);
  if (input.refusal) parts.push(refusalHtml(input.refusal, report, input.endpoint, image));
  if (owner && visitor) {
    parts.push(factsHtml(image, permissions, "you"));
    parts.push(permissionsHtml(visitor, image, permissions));
    parts.push(lifecycleHtml(visitor, image, input.now ?? new Date()));
    parts.push(ownerListingHtml(image, listing));
    parts.push(foundHtml(summary, report, scan));
  } else {
    // A consumer's page leads with what the scan found and who published the image.
    parts.push(foundHtml(summary, report, scan), publisherHtml(image, listing, data));
    if (listing) parts.push(listingHtml(listing.listing));
  }
  if (!visitor) {
    parts.push(
      '<p><a href="/sign-in">Sign in</a> to read the full scan report and the package list, or pull it with ' +
        `<code>amigate report ${h(image.imageId)} --endpoint ${h(input.endpoint)}</code>.</p>`,
    );
  } else {
    parts.push(
      '<h2 id="use">Use it</h2><pre class="command"><code>' +
        `amigate report ${h(image.imageId)} --endpoint ${h(input.endpoint)}\n` +
        `amigate pull ${h(image.imageId)} -o disk.img --endpoint ${h(input.endpoint)}</code></pre>`,
      `<p><a href="/images/${h(image.imageId)}/packages">Packages in this image</a></p>`,
    );
    // As the API serves it: the statement clauses judged from the listing, answers and registration.
    if (report)
      parts.push(
        '<h2 id="report">Scan report</h2>',
        renderHtmlSections(withStatements(report, await statementsOf(data.store, image, data.region))),
      );
    else parts.push('<h2 id="report">Scan report</h2><p>No finished scan yet.</p>');
  }
  if (owner && visitor)
    parts.push(
      '<h2 id="deregister">Deregister</h2>' +
        `<p><a href="/images/${h(image.imageId)}/deregister">Deregister this image…</a> (asks for confirmation)</p>`,
    );
  return {
    status: input.refusal ? input.refusal.error.httpStatus : 200,
    title: image.name,
    main: parts.join("\n"),
  };
}

export function deregisterView(v: Visitor, image: Image): View {
  return {
    title: `Deregister ${image.name}`,
    main:
      `<h1>Deregister ${h(image.name)}?</h1>` +
      `<p>The image <code>${h(image.imageId)}</code> disappears from the catalogue at once, with its launch ` +
      "permissions, tags, listing and attestations. Accounts it was shared with can no longer pull it. " +
      "This cannot be undone.</p>" +
      `<div class="actions">${buttonForm(v, `/images/${image.imageId}/deregister`, "Deregister", { confirm: "yes" }, "danger")}` +
      `<a href="/images/${h(image.imageId)}">Cancel</a></div>`,
  };
}

export async function packagesView(data: ConsoleData, image: Image): Promise<View> {
  const { report } = await data.report(image.imageId);
  const packages = report?.listingFacts?.packages ?? [];
  const body =
    packages.length === 0
      ? "<p>The scan lists no packages for this image.</p>"
      : '<table class="list"><caption class="muted">' +
        `${packages.length} packages the scan read from the package manager</caption>` +
        '<thead><tr><th scope="col">Package</th><th scope="col">Version</th><th scope="col">Kind</th></tr></thead><tbody>' +
        packages
          .map(
            (p) =>
              `<tr><td>${h(p.name)}</td><td><code>${h(p.version)}</code></td><td>${h(p.ecosystem)}</td></tr>`,
          )
          .join("") +
        "</tbody></table>";
  return {
    title: `Packages in ${image.name}`,
    main: `<h1>Packages in ${h(image.name)}</h1><p><a href="/images/${h(image.imageId)}">Back to the image</a></p>${body}`,
  };
}
