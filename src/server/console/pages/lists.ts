/** The three lists of images: My images, Shared with me, and the public catalogue's search. */
import type { Image } from "../../store/types.js";
import { type CatalogueFilters, type ConsoleData, FilterError, SEARCH_SCAN_LIMIT } from "../data.js";
import { h, type View } from "../layout.js";
import {
  type Column,
  created,
  imageLink,
  listingStateHtml,
  table,
  verdictHtml,
  visibilityHtml,
} from "./parts.js";

/** At most this many rows per page; the rest is reached with "next page" (by image id). */
export const PAGE_SIZE = 50;

/** One page of images in id order (the store's order), after the last one shown. */
export async function myImagesView(data: ConsoleData, accountId: string): Promise<View> {
  const images = await data.myImages(accountId);
  const rows = await Promise.all(
    images.map(async (image) => ({
      image,
      permissions: image.isPublic ? [] : await data.store.launchPermissions(image.imageId),
      summary: await data.summary(image.imageId),
      listing: await data.listingState(image.imageId),
    })),
  );
  type Row = (typeof rows)[number];
  const columns: Column<Row>[] = [
    { head: "Name", cell: (r) => imageLink(r.image) },
    { head: "Image id", cell: (r) => `<code>${h(r.image.imageId)}</code>` },
    { head: "Created", cell: (r) => created(r.image) },
    { head: "Visibility", cell: (r) => visibilityHtml(r.image, r.permissions) },
    { head: "Scan", cell: (r) => verdictHtml(r.summary) },
    { head: "Listing", cell: (r) => listingStateHtml(r.listing) },
  ];
  return {
    title: "My images",
    section: "images",
    main:
      "<h1>My images</h1>" +
      (images.length === 0
        ? "<p>You have no images yet. Push one with <code>amigate push FILE --name NAME --endpoint URL</code>; it is scanned as it arrives.</p>"
        : table(
            `${images.length} image${images.length === 1 ? "" : "s"} you own, newest first`,
            columns,
            rows,
          )),
  };
}

export async function sharedView(data: ConsoleData, accountId: string): Promise<View> {
  const images = await data.sharedWithMe(accountId);
  const rows = await Promise.all(
    images.map(async (image) => ({
      image,
      summary: await data.summary(image.imageId),
      publisher: data.publisherName(image, await data.shownListing(accountId, image)),
    })),
  );
  type Row = (typeof rows)[number];
  const columns: Column<Row>[] = [
    { head: "Name", cell: (r) => imageLink(r.image) },
    { head: "Image id", cell: (r) => `<code>${h(r.image.imageId)}</code>` },
    { head: "Owner", cell: (r) => ownerHtml(r.image, r.publisher) },
    { head: "Created", cell: (r) => created(r.image) },
    { head: "What we found", cell: (r) => verdictHtml(r.summary) },
  ];
  return {
    title: "Shared with me",
    section: "shared",
    main:
      "<h1>Shared with me</h1>" +
      "<p>Images other accounts have given your account permission to launch. Treat them as foreign code: " +
      "read what the scan found before you use one.</p>" +
      (images.length === 0
        ? "<p>No image is shared with your account.</p>"
        : table(`${images.length} image${images.length === 1 ? "" : "s"} shared with you`, columns, rows)),
  };
}

export function ownerHtml(image: Image, publisher: string | undefined): string {
  return publisher
    ? `${h(publisher)} <span class="muted">(<code>${h(image.ownerId)}</code>)</span>`
    : `account <code>${h(image.ownerId)}</code>`;
}

export function filtersOf(q: URLSearchParams): CatalogueFilters {
  const text = (k: string) => (q.get(k) ?? "").slice(0, 256).trim();
  return {
    name: text("name"),
    os: text("os"),
    publisher: text("publisher"),
    owner: text("owner"),
    executableByMe: q.get("executable") === "me",
    public: q.get("public") === "1",
  };
}

export async function catalogueView(
  data: ConsoleData,
  visitorId: string | undefined,
  query: URLSearchParams,
): Promise<View> {
  const f = filtersOf(query);
  const field = (name: keyof CatalogueFilters, label: string, hint: string) =>
    `<div class="field"><label for="f-${name}">${label}</label>` +
    `<input type="search" id="f-${name}" name="${name}" value="${h(String(f[name]))}" aria-describedby="f-${name}-hint">` +
    `<span class="hint" id="f-${name}-hint">${hint}</span></div>`;
  const check = (name: string, value: string, on: boolean, label: string, disabled: boolean) =>
    `<label class="check"><input type="checkbox" name="${name}" value="${value}"${on ? " checked" : ""}${disabled ? " disabled" : ""}> ${label}</label>`;
  const form =
    '<form method="get" action="/catalogue" role="search" aria-label="Search the catalogue"><div class="filters">' +
    field("name", "Name", "contains") +
    field("os", "Operating system", "e.g. Debian 12") +
    field("publisher", "Publisher", "alias, contains") +
    field("owner", "Owner", "self, an account id or amazon") +
    "<fieldset><legend>Who may launch</legend>" +
    check("executable", "me", f.executableByMe, "executable by me", visitorId === undefined) +
    check("public", "1", f.public || visitorId === undefined, "public", visitorId === undefined) +
    "</fieldset>" +
    '<button type="submit">Search</button></div></form>';
  let results: string;
  let status = 200;
  try {
    const { images: page, next } = await data.catalogue(
      visitorId,
      f,
      query.get("after") ?? undefined,
      PAGE_SIZE,
    );
    const rows = await Promise.all(
      page.map(async (image) => {
        const listing = await data.shownListing(visitorId, image);
        const summary = await data.summary(image.imageId);
        return { image, listing, summary };
      }),
    );
    type Row = (typeof rows)[number];
    const columns: Column<Row>[] = [
      {
        head: "Name",
        cell: (r) =>
          imageLink(r.image) +
          (r.listing?.listing.version ? ` <span class="muted">${h(r.listing.listing.version)}</span>` : ""),
      },
      { head: "Image id", cell: (r) => `<code>${h(r.image.imageId)}</code>` },
      { head: "Publisher", cell: (r) => ownerHtml(r.image, data.publisherName(r.image, r.listing)) },
      {
        head: "Operating system",
        cell: (r) =>
          h(
            r.listing
              ? `${r.listing.listing.os.name} ${r.listing.listing.os.version}`.trim()
              : (r.summary.os ?? ""),
          ),
      },
      {
        head: "Who may launch",
        cell: (r) =>
          r.image.isPublic ? "public" : r.image.ownerId === visitorId ? "you (owner)" : "you (shared)",
      },
      { head: "What we found", cell: (r) => verdictHtml(r.summary) },
    ];
    const nextQuery = new URLSearchParams(query);
    if (next) nextQuery.set("after", next);
    const more = next ? `<p><a href="/catalogue?${h(nextQuery.toString())}">Next page</a></p>` : "";
    results =
      page.length === 0
        ? next
          ? `<p>No match among the next ${SEARCH_SCAN_LIMIT} images.</p>${more}`
          : "<p>No image matches.</p>"
        : table(
            `${page.length} image${page.length === 1 ? "" : "s"} match${next ? " on this page" : ""}`,
            columns,
            rows,
          ) + more;
  } catch (e) {
    if (!(e instanceof FilterError)) throw e;
    status = 400;
    results = `<p class="alert" role="alert">${h(e.message)}</p>`;
  }
  return {
    status,
    title: "Public catalogue",
    section: "catalogue",
    main:
      "<h1>Public catalogue</h1>" +
      (visitorId === undefined
        ? '<p>Public images. <a href="/sign-in">Sign in</a> to see your own images and those shared with you.</p>'
        : "<p>Every image you may launch: your own, those shared with you, and public ones.</p>") +
      form +
      results,
  };
}
