/**
 * The console's listing, attestation and submission pages. Every read and write goes through the
 * API's own listing endpoints (listing-routes.ts), called in process as the signed-in caller:
 * the same owner checks, the same parsing of listings and answers, the same audit entries. Only
 * the preview judges a listing without saving it, with the same policy function the API uses.
 */
import { evidenceOf, judgeStatements } from "../../policy/listing/judge.js";
import { type Listing, ListingFormatError, parseListing } from "../../policy/listing/listing.js";
import { packageCountsOf, withScanPackageCounts } from "../../policy/listing/package-counts.js";
import type { SubmissionRecord } from "../../policy/listing/submission.js";
import type { AttestationItem, MetadataCheck } from "../../policy/result.js";
import type { Caller } from "../ec2/context.js";
import { Ec2Error } from "../ec2/errors.js";
import { newRequestId } from "../ids.js";
import { listingRoutes } from "../listing-routes.js";
import type { Image, StoredListing } from "../store/types.js";
import type { AppRequest, AppResponse, RequestContext } from "../types.js";
import type { ConsoleData } from "./data.js";
import type { View, Visitor } from "./layout.js";
import {
  answersOf,
  attestationsView,
  listingDocOf,
  listingEditorView,
  submissionView,
  typedValues,
  valuesOf,
} from "./pages/listing.js";

export interface StatementsHost {
  context(caller: Caller, requestId: string, req: Pick<AppRequest, "remoteAddress">): RequestContext;
}

/** What a page handler answers: a view to render, or where to go next. */
export type Answer = { view: View } | { redirect: string } | { response: AppResponse };

/** The editor's read-only package counts line, from the listing shown. */
const packagesOf = (l: Listing | undefined) => (l?.packages ? { packages: l.packages } : {});

const DONE: Record<string, string> = {
  saved: "Saved.",
  published: "Published: the catalogue shows the listing while the image is public.",
  unpublished: "Unpublished.",
};

export class ConsoleStatements {
  constructor(
    private readonly host: StatementsHost,
    private readonly data: ConsoleData,
  ) {}

  /** One of /amigate/images/{id}/… as the caller: the JSON answer, or the endpoint's Ec2Error. */
  async #api(
    caller: Caller,
    remoteAddress: string,
    method: string,
    path: string,
    body?: unknown,
  ): Promise<{ json: unknown; raw: string }> {
    const req: AppRequest = {
      method,
      url: path,
      headers: { "content-type": "application/json" },
      body: Buffer.from(body === undefined ? "" : JSON.stringify(body)),
      remoteAddress,
    };
    const res = await listingRoutes(
      this.host.context(caller, newRequestId(), req),
      req,
      new URL(path, "http://console.invalid"),
    );
    if (!res) throw new Error(`no listing endpoint at ${path}`);
    const raw = String(res.body);
    return { json: JSON.parse(raw) as unknown, raw };
  }

  async listingPage(
    caller: Caller,
    v: Visitor,
    image: Image,
    query: URLSearchParams,
    ip: string,
  ): Promise<Answer> {
    const base = `/amigate/images/${image.imageId}/listing`;
    const stored = await this.data.store.listing(image.imageId);
    const done = DONE[query.get("done") ?? ""];
    if (stored) {
      const { json } = await this.#api(caller, ip, "GET", base);
      const shown = json as { listing: Listing; checks: MetadataCheck[] };
      return {
        view: listingEditorView({
          visitor: v,
          image,
          values: valuesOf(shown.listing),
          stored,
          checks: shown.checks,
          ...packagesOf(shown.listing),
          ...(done ? { notice: done } : {}),
        }),
      };
    }
    const { json } = await this.#api(caller, ip, "GET", `${base}/draft`);
    const draft = (json as { listing: Listing }).listing;
    return {
      view: listingEditorView({
        visitor: v,
        image,
        values: valuesOf(draft),
        stored,
        ...packagesOf(draft),
      }),
    };
  }

  async listingPost(
    caller: Caller,
    v: Visitor,
    image: Image,
    form: URLSearchParams,
    ip: string,
  ): Promise<Answer> {
    const doc = listingDocOf(form, image.imageId);
    // Not the owner: the API's own answer (AuthFailure), and no page showing the owner's listing.
    if (image.ownerId !== caller.accountId)
      await this.#api(caller, ip, "PUT", `/amigate/images/${image.imageId}/listing`, doc);
    const stored = await this.data.store.listing(image.imageId);
    const values = typedValues(form);
    const { report } = await this.data.report(image.imageId);
    // What saving would store: the scan's count unless the stored listing has its own.
    const counts = stored?.listing.packages ?? packageCountsOf(report?.listingFacts);
    const refused = (error: string, checks?: MetadataCheck[]): Answer => ({
      view: listingEditorView({
        visitor: v,
        image,
        values,
        stored,
        ...(counts ? { packages: counts } : {}),
        error,
        status: 400,
        ...(checks ? { checks } : {}),
      }),
    });
    if (form.get("intent") === "preview") {
      let listing: Listing;
      try {
        listing = parseListing(doc, image.imageId);
      } catch (e) {
        if (e instanceof ListingFormatError) return refused(e.message);
        throw e;
      }
      listing = withScanPackageCounts(listing, report?.listingFacts);
      const { metadataChecks } = judgeStatements({ listing }, evidenceOf(report));
      return {
        view: listingEditorView({
          visitor: v,
          image,
          values,
          stored,
          preview: listing,
          ...packagesOf(listing),
          checks: metadataChecks,
        }),
      };
    }
    try {
      await this.#api(caller, ip, "PUT", `/amigate/images/${image.imageId}/listing`, doc);
    } catch (e) {
      if (e instanceof Ec2Error) return refused(`${e.code}: ${e.message}`);
      throw e;
    }
    return { redirect: `/images/${image.imageId}/listing?done=saved` };
  }

  async publishPost(
    caller: Caller,
    v: Visitor,
    image: Image,
    form: URLSearchParams,
    ip: string,
  ): Promise<Answer> {
    const publish = form.get("op") === "publish";
    try {
      await this.#api(
        caller,
        ip,
        publish ? "POST" : "DELETE",
        `/amigate/images/${image.imageId}/listing/publish`,
      );
    } catch (e) {
      if (!(e instanceof Ec2Error) || image.ownerId !== caller.accountId) throw e;
      const stored: StoredListing | undefined = await this.data.store.listing(image.imageId);
      return {
        view: listingEditorView({
          visitor: v,
          image,
          values: stored ? valuesOf(stored.listing) : {},
          stored,
          ...packagesOf(stored?.listing),
          error: `${e.code}: ${e.message}`,
          status: e.httpStatus,
        }),
      };
    }
    return { redirect: `/images/${image.imageId}/listing?done=${publish ? "published" : "unpublished"}` };
  }

  async #items(caller: Caller, image: Image, ip: string): Promise<AttestationItem[]> {
    const { json } = await this.#api(caller, ip, "GET", `/amigate/images/${image.imageId}/attestations`);
    return (json as { attestations: AttestationItem[] }).attestations;
  }

  async attestationsPage(
    caller: Caller,
    v: Visitor,
    image: Image,
    query: URLSearchParams,
    ip: string,
  ): Promise<Answer> {
    const done = DONE[query.get("done") ?? ""];
    return {
      view: attestationsView({
        visitor: v,
        image,
        items: await this.#items(caller, image, ip),
        ...(done ? { notice: done } : {}),
      }),
    };
  }

  async attestationsPost(
    caller: Caller,
    v: Visitor,
    image: Image,
    form: URLSearchParams,
    ip: string,
  ): Promise<Answer> {
    const items = await this.#items(caller, image, ip);
    const { typed, answers } = answersOf(form, items);
    const refused = (error: string): Answer => ({
      view: attestationsView({ visitor: v, image, items, typed, error, status: 400 }),
    });
    if (answers.length === 0) return refused("Choose an answer for at least one statement.");
    try {
      await this.#api(caller, ip, "PUT", `/amigate/images/${image.imageId}/attestations`, { answers });
    } catch (e) {
      if (e instanceof Ec2Error) return refused(`${e.code}: ${e.message}`);
      throw e;
    }
    return { redirect: `/images/${image.imageId}/attestations?done=saved` };
  }

  async submission(caller: Caller, image: Image, asJson: boolean, ip: string): Promise<Answer> {
    const { json, raw } = await this.#api(
      caller,
      ip,
      "GET",
      `/amigate/images/${image.imageId}/submission.json`,
    );
    if (asJson)
      return {
        response: {
          status: 200,
          headers: {
            "content-type": "application/json",
            "content-disposition": `attachment; filename="${image.imageId}-submission.json"`,
            "cache-control": "no-store",
            "x-content-type-options": "nosniff",
          },
          body: raw,
        },
      };
    return { view: submissionView(image, json as SubmissionRecord) };
  }
}
