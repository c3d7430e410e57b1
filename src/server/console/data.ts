/**
 * What the console's pages read, through the store the API reads: the same visible-set query as
 * DescribeImages (store.queryImages) and the same visibility test as the API's scan endpoints
 * (visibleTo, organization and OU grants included). Parsed scan reports and their summaries are
 * kept by scan id: a finished scan never changes, so a page of images parses each report once.
 */

import type { ScanResult } from "../../policy/result.js";
import { atLeast, type Severity } from "../../policy/severity.js";
import { osName } from "../../report/common.js";
import { organizationOf, visibleTo } from "../ec2/access.js";
import { RESERVED_ALIASES } from "../ec2/describe-images.js";
import { ACCOUNT_ID, IMAGE_ID } from "../ids.js";
import type { Image, ImageQuery, ScanRecord, Store, StoredListing } from "../store/types.js";

export interface ScanSummary {
  status: ScanRecord["status"] | "none";
  scanId?: number;
  finishedAt?: string;
  error?: string;
  passed?: boolean;
  failOn?: Severity;
  /** Findings at or above failOn. */
  failing?: number;
  counts?: Record<Severity, number>;
  os?: string;
  vulnerabilitiesChecked?: boolean;
}

export type ListingState = "none" | "draft" | "published";

/** A small map that forgets the entry used longest ago. */
class Recent<K, V> {
  readonly #map = new Map<K, V>();
  constructor(private readonly max: number) {}
  get(k: K): V | undefined {
    const v = this.#map.get(k);
    if (v !== undefined) {
      this.#map.delete(k);
      this.#map.set(k, v);
    }
    return v;
  }
  set(k: K, v: V): void {
    this.#map.delete(k);
    this.#map.set(k, v);
    if (this.#map.size > this.max) this.#map.delete(this.#map.keys().next().value as K);
  }
}

export interface CatalogueFilters {
  name: string;
  os: string;
  publisher: string;
  /** "", "self", an account id or a reserved owner alias. */
  owner: string;
  executableByMe: boolean;
  public: boolean;
}

/** Images read from the store per query while searching, and at most per request. */
const SEARCH_BATCH = 200;
export const SEARCH_SCAN_LIMIT = 5000;

export class FilterError extends Error {
  override readonly name = "FilterError";
}

const contains = (text: string | undefined, part: string) =>
  part === "" || (text ?? "").toLowerCase().includes(part.toLowerCase());

/** A finished scan's report as of its latest judgement. */
const judgementOf = (scan: ScanRecord) => `${scan.scanId}/${scan.judgedAt ?? ""}`;

export class ConsoleData {
  // Keyed by scan and judgement: re-judging (rejudge.ts) rewrites a finished scan's report, on
  // whichever node, and a new judgedAt is a new key everywhere.
  readonly #reports = new Recent<string, ScanResult>(32);
  readonly #summaries = new Recent<string, ScanSummary>(20_000);

  constructor(
    readonly store: Store,
    /** The catalogue's region: served reports judge the registration clauses in it. */
    readonly region: string,
  ) {}

  /** The image if this visitor may see it (anonymous: public images only), else undefined. */
  async image(visitorId: string | undefined, imageId: string): Promise<Image | undefined> {
    if (!IMAGE_ID.test(imageId)) return undefined;
    const image = await this.store.image(imageId);
    if (!image) return undefined;
    if (visitorId === undefined) return image.isPublic ? image : undefined;
    return (await visibleTo(this.store, image, visitorId, {})) ? image : undefined;
  }

  async report(imageId: string): Promise<{ scan?: ScanRecord; report?: ScanResult }> {
    const scan = await this.store.latestScan(imageId);
    if (!scan) return {};
    if (scan.status !== "done" || !scan.report) return { scan };
    let report = this.#reports.get(judgementOf(scan));
    if (!report) {
      report = JSON.parse(scan.report) as ScanResult;
      this.#reports.set(judgementOf(scan), report);
    }
    return { scan, report };
  }

  async summary(imageId: string): Promise<ScanSummary> {
    const scan = await this.store.latestScan(imageId);
    if (!scan) return { status: "none" };
    const cached = this.#summaries.get(judgementOf(scan));
    if (cached) return cached;
    const s: ScanSummary = { status: scan.status, scanId: scan.scanId };
    if (scan.finishedAt) s.finishedAt = scan.finishedAt;
    if (scan.error) s.error = scan.error;
    if (scan.status === "done" && scan.report) {
      const r = (await this.report(imageId)).report!;
      s.passed = r.passed;
      s.failOn = r.failOn;
      s.failing = r.findings.filter((f) => atLeast(f.severity, r.failOn)).length;
      s.counts = { ...r.summary };
      const os = r.roots.find((root) => root.os.name || root.os.prettyName)?.os;
      if (os) s.os = osName(os);
      s.vulnerabilitiesChecked = r.checks?.vulnerabilities.state === "checked";
    }
    // Only finished scans are final; a pending one is read again next time.
    if (scan.status === "done" || scan.status === "failed") this.#summaries.set(judgementOf(scan), s);
    return s;
  }

  async listing(imageId: string): Promise<StoredListing | undefined> {
    return this.store.listing(imageId);
  }

  async listingState(imageId: string): Promise<ListingState> {
    const l = await this.store.listing(imageId);
    return !l ? "none" : l.publishedAt ? "published" : "draft";
  }

  async myImages(accountId: string): Promise<Image[]> {
    const images = await this.store.queryImages({ callerId: accountId, ownerIds: [accountId] });
    return images.sort((a, b) => b.creationDate.localeCompare(a.creationDate));
  }

  /**
   * Images other accounts shared with this one, by account id or with its organization or OUs
   * (what --executable-users self lists).
   */
  async sharedWithMe(accountId: string): Promise<Image[]> {
    const organization = await organizationOf(this.store, accountId, {});
    return this.store.queryImages({
      callerId: accountId,
      ...(organization ? { organization } : {}),
      executableBy: { all: false, self: true, accountIds: [] },
    });
  }

  /**
   * The catalogue's search: the visible set narrowed in storage by owner and by who may launch
   * (the seed's "finding shared AMIs" queries), then by name, OS and publisher, a page at a time.
   * The store is read in id order in batches from `after`, and one request looks at no more than
   * SEARCH_SCAN_LIMIT images however large the catalogue: `next` continues where it stopped, so a
   * page may hold fewer than `pageSize` matches before the end. Anonymous visitors see public
   * images only.
   */
  async catalogue(
    visitorId: string | undefined,
    f: CatalogueFilters,
    after?: string,
    pageSize = 50,
  ): Promise<{ images: Image[]; next?: string }> {
    const q: ImageQuery = { callerId: visitorId ?? "" };
    const organization = visitorId === undefined ? undefined : await organizationOf(this.store, visitorId, q);
    if (organization) q.organization = organization;
    if (visitorId === undefined) q.executableBy = { all: true, self: false, accountIds: [] };
    else if (f.executableByMe || f.public)
      q.executableBy = { all: f.public, self: f.executableByMe, accountIds: [] };
    const owner = f.owner.trim();
    if (owner !== "") q.ownerIds = [await this.ownerId(visitorId, owner)];
    const out: Image[] = [];
    let cursor = after;
    let looked = 0;
    for (;;) {
      const batch = await this.store.queryImages({
        ...q,
        ...(cursor !== undefined ? { afterImageId: cursor } : {}),
        limit: SEARCH_BATCH,
      });
      for (const image of batch) {
        looked++;
        cursor = image.imageId;
        if (await this.matches(visitorId, image, f)) out.push(image);
        if (out.length === pageSize) return { images: out, next: cursor };
      }
      if (batch.length < SEARCH_BATCH) return { images: out };
      if (looked >= SEARCH_SCAN_LIMIT) return { images: out, next: cursor! };
    }
  }

  private async matches(visitorId: string | undefined, image: Image, f: CatalogueFilters): Promise<boolean> {
    if (f.name === "" && f.publisher === "" && f.os === "") return true;
    const listing = await this.shownListing(visitorId, image);
    if (!contains(image.name, f.name) && !contains(listing?.listing.name, f.name)) return false;
    if (f.publisher !== "" && !contains(this.publisherName(image, listing), f.publisher)) return false;
    if (f.os !== "") {
      const l = listing?.listing.os;
      const fromListing = l ? `${l.name} ${l.version}` : "";
      if (!contains(fromListing, f.os) && !contains((await this.summary(image.imageId)).os, f.os))
        return false;
    }
    return true;
  }

  /** A listing as this visitor may read it: published ones, or any of the visitor's own images. */
  async shownListing(visitorId: string | undefined, image: Image): Promise<StoredListing | undefined> {
    const l = await this.store.listing(image.imageId);
    return l && (l.publishedAt || image.ownerId === visitorId) ? l : undefined;
  }

  /** Who published an image: its listing's publisher, else a system owner's alias. */
  publisherName(image: Image, listing: StoredListing | undefined): string | undefined {
    return listing?.listing.publisher.name || image.ownerAlias;
  }

  private async ownerId(visitorId: string | undefined, owner: string): Promise<string> {
    if (owner === "self") {
      if (visitorId === undefined) throw new FilterError('Sign in to search by owner "self".');
      return visitorId;
    }
    if (ACCOUNT_ID.test(owner)) return owner;
    if ((RESERVED_ALIASES as readonly string[]).includes(owner))
      return (await this.store.accountByAlias(owner))?.accountId ?? "000000000000";
    throw new FilterError(
      `Owner "${owner}" is not "self", a 12-digit account id or one of ${RESERVED_ALIASES.join(", ")}.`,
    );
  }
}
