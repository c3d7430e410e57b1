/** Pieces several console pages show: a scan's verdict, an image's visibility, a table of images. */
import type { Image, LaunchPermission } from "../../store/types.js";
import type { ListingState, ScanSummary } from "../data.js";
import { h, when } from "../layout.js";

export function verdictHtml(s: ScanSummary): string {
  switch (s.status) {
    case "none":
      return '<span class="muted">not scanned</span>';
    case "pending":
      return '<span class="muted">scan pending</span>';
    case "running":
      return '<span class="muted">scanning</span>';
    case "failed":
      return '<span class="high">scan failed</span>';
    case "done":
      return s.passed
        ? `<span class="verdict pass">PASS</span> <span class="muted">nothing at or above ${h(s.failOn ?? "")}</span>`
        : `<span class="verdict fail">FAIL</span> ${s.failing} at or above ${h(s.failOn ?? "")}`;
  }
}

export function visibilityHtml(image: Image, permissions: readonly LaunchPermission[]): string {
  if (image.isPublic) return '<span class="badge public">public</span>';
  const accounts = permissions.filter((p) => "userId" in p).length;
  return accounts > 0
    ? `<span class="badge shared">shared with ${accounts} account${accounts === 1 ? "" : "s"}</span>`
    : '<span class="badge private">private</span>';
}

export function listingStateHtml(state: ListingState): string {
  return state === "published"
    ? '<span class="badge published">published</span>'
    : state === "draft"
      ? '<span class="badge private">draft</span>'
      : '<span class="muted">none</span>';
}

export const imageLink = (image: Image): string =>
  `<a href="/images/${h(image.imageId)}">${h(image.name)}</a>`;

export interface Column<T> {
  head: string;
  cell(row: T): string;
}

/** A table with a caption (its accessible name) and header cells scoped to their columns. */
export function table<T>(caption: string, columns: Column<T>[], rows: T[]): string {
  return (
    `<table class="list"><caption class="muted">${h(caption)}</caption><thead><tr>` +
    columns.map((c) => `<th scope="col">${h(c.head)}</th>`).join("") +
    "</tr></thead><tbody>" +
    rows.map((r) => `<tr>${columns.map((c) => `<td>${c.cell(r)}</td>`).join("")}</tr>`).join("") +
    "</tbody></table>"
  );
}

export const created = (image: Image): string => when(image.creationDate);
