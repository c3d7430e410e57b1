/**
 * Listings, attestations, submission records and publisher profiles: our own signed endpoints,
 * SigV4-signed like the EC2 calls (service "ec2"), JSON in and out, errors as EC2 errors.
 *   GET|PUT          /amigate/publisher                          the caller's publisher URL
 *   GET              /amigate/listings?name=&os=&publisher=&owner=&after=&limit=   published listings
 *   GET|PUT|DELETE   /amigate/images/{id}/listing                the image's listing (+ its checks)
 *   GET              /amigate/images/{id}/listing/draft          a listing filled from the scan
 *   POST|DELETE      /amigate/images/{id}/listing/publish        publish (image public only) / unpublish
 *   GET|PUT          /amigate/images/{id}/attestations           the answers to the attestation items
 *   GET              /amigate/images/{id}/submission[.json|.html]  the submission record
 * Only the owner writes, reads drafts, answers and the submission record; anyone who can see the
 * image reads a published listing. docs/server.md describes them.
 */
import { AttestationFormatError, parseGivenAnswers } from "../policy/listing/attestations.js";
import { evidenceOf, judgeStatements, withStatements } from "../policy/listing/judge.js";
import { ListingFormatError, parseListing } from "../policy/listing/listing.js";
import { withScanPackageCounts } from "../policy/listing/package-counts.js";
import type { ScanResult } from "../policy/result.js";
import { renderSubmissionHtml, renderSubmissionJson } from "../report/submission.js";
import { visibleTo } from "./ec2/access.js";
import { Ec2Error, invalidParameterValue, malformedImageId, notFound } from "./ec2/errors.js";
import { IMAGE_ID } from "./ids.js";
import { draftFor, publisherOf, scanOutcomeOf, statementsOf, submissionOf } from "./statements.js";
import type { Image, StoredListing } from "./store/types.js";
import type { AppRequest, AppResponse, RequestContext } from "./types.js";

const JSON_TYPE = { "content-type": "application/json" };
const MAX_SEARCH_RESULTS = 200;

const json = (value: unknown, status = 200): AppResponse => ({
  status,
  headers: JSON_TYPE,
  body: `${JSON.stringify(value)}\n`,
});

function bodyOf(req: AppRequest): unknown {
  if (!Buffer.isBuffer(req.body) || req.body.length === 0) return undefined;
  try {
    return JSON.parse(req.body.toString("utf8")) as unknown;
  } catch (e) {
    throw invalidParameterValue(`The request body is not JSON: ${(e as Error).message}`);
  }
}

async function visibleImage(ctx: RequestContext, imageId: string): Promise<Image> {
  if (!IMAGE_ID.test(imageId)) throw malformedImageId(imageId);
  const { store } = ctx.deps;
  const image = await store.image(imageId);
  if (!image || !(await visibleTo(store, image, ctx.caller.accountId, ctx))) throw notFound([imageId]);
  return image;
}

/** The owner's image; another account that can see it gets EC2's AuthFailure, as for ModifyImageAttribute. */
async function ownedImage(ctx: RequestContext, imageId: string): Promise<Image> {
  const image = await visibleImage(ctx, imageId);
  if (image.ownerId !== ctx.caller.accountId)
    throw new Ec2Error("AuthFailure", `Not authorized for image:${imageId}`, 400);
  return image;
}

const noListing = (imageId: string, published = false) =>
  new Ec2Error(
    "InvalidListing.NotFound",
    `The image ${imageId} has no ${published ? "published " : ""}listing.`,
    404,
  );

/** A stored listing as the API shows it, with its checks judged against the image's latest scan. */
async function listingView(ctx: RequestContext, image: Image, stored: StoredListing, report?: ScanResult) {
  report ??= (await scanOutcomeOf(ctx.deps.store, image.imageId)).report;
  const { metadataChecks } = judgeStatements({ listing: stored.listing }, evidenceOf(report));
  return {
    imageId: stored.imageId,
    listing: stored.listing,
    published: stored.publishedAt !== undefined,
    ...(stored.publishedAt ? { publishedAt: stored.publishedAt } : {}),
    imagePublic: image.isPublic,
    updatedAt: stored.updatedAt,
    updatedBy: stored.updatedBy,
    checks: metadataChecks.filter((m) => m.judgedBy === "listing"),
  };
}

function isWebUrl(text: string): boolean {
  try {
    const u = new URL(text);
    return (u.protocol === "https:" || u.protocol === "http:") && text.length <= 256;
  } catch {
    return false;
  }
}

async function publisherRoute(ctx: RequestContext, req: AppRequest): Promise<AppResponse> {
  const { store } = ctx.deps;
  const accountId = ctx.caller.accountId;
  if (req.method === "PUT") {
    const body = bodyOf(req) as { url?: unknown } | undefined;
    const url = typeof body?.url === "string" ? body.url.trim() : "";
    if (!isWebUrl(url))
      throw invalidParameterValue('The publisher url must be an http(s) address: {"url": "https://…"}');
    const audit = ctx.record("PutPublisher", undefined, JSON.stringify({ url }), "ok");
    await store.setPublisher(accountId, url, audit);
    await ctx.settle(audit);
  } else if (req.method !== "GET") throw noRoute(req);
  return json({ accountId, ...(await publisherOf(store, accountId)) });
}

async function searchRoute(ctx: RequestContext, url: Pick<URL, "searchParams">): Promise<AppResponse> {
  const q = url.searchParams;
  const limitText = q.get("limit") ?? "50";
  const limit = Number(limitText);
  if (!/^\d+$/.test(limitText) || limit < 1 || limit > MAX_SEARCH_RESULTS)
    throw invalidParameterValue(`limit must be from 1 to ${MAX_SEARCH_RESULTS}`);
  const after = q.get("after");
  if (after !== null && !IMAGE_ID.test(after)) throw malformedImageId(after);
  const owner = q.get("owner");
  if (owner !== null && !/^\d{12}$/.test(owner))
    throw new Ec2Error("InvalidUserID.Malformed", `Invalid user id: "${owner}"`);
  const text = (name: string) => {
    const v = q.get(name);
    if (v !== null && v.length > 256) throw invalidParameterValue(`${name} is longer than 256 characters`);
    return v !== null && v !== "" ? { [name]: v } : {};
  };
  const found = await ctx.deps.store.publishedListings({
    ...text("name"),
    ...text("os"),
    ...text("publisher"),
    ...(owner ? { ownerId: owner } : {}),
    ...(after ? { afterImageId: after } : {}),
    limit: limit + 1,
  });
  const page = found.slice(0, limit);
  return json({
    listings: page.map((l) => ({
      imageId: l.imageId,
      ownerId: l.ownerId,
      publishedAt: l.publishedAt,
      listing: l.listing,
    })),
    ...(found.length > limit ? { nextToken: page[page.length - 1]!.imageId } : {}),
  });
}

async function listingRoute(ctx: RequestContext, req: AppRequest, imageId: string): Promise<AppResponse> {
  const { store } = ctx.deps;
  if (req.method === "GET") {
    const image = await visibleImage(ctx, imageId);
    const stored = await store.listing(imageId);
    const mine = image.ownerId === ctx.caller.accountId;
    if (!stored || (!mine && stored.publishedAt === undefined)) throw noListing(imageId, !mine);
    return json(await listingView(ctx, image, stored));
  }
  const image = await ownedImage(ctx, imageId);
  if (req.method === "PUT") {
    let listing: ReturnType<typeof parseListing>;
    try {
      listing = parseListing(bodyOf(req), imageId);
    } catch (e) {
      if (e instanceof ListingFormatError) throw invalidParameterValue(e.message);
      throw e;
    }
    // The scan's count stands where the listing gives none (the console's form has no such field).
    const { report } = await scanOutcomeOf(store, imageId);
    listing = withScanPackageCounts(listing, report?.listingFacts);
    const audit = ctx.record(
      "PutListing",
      imageId,
      JSON.stringify({ name: listing.name, product: listing.product }),
      "ok",
    );
    const stored = await store.putListing(image.ownerId, listing, ctx.caller.accountId, audit);
    await ctx.settle(audit);
    return json(await listingView(ctx, image, stored, report));
  }
  if (req.method === "DELETE") {
    if (!(await store.listing(imageId))) throw noListing(imageId);
    const audit = ctx.record("DeleteListing", imageId, "{}", "ok");
    await store.deleteListing(imageId, audit);
    await ctx.settle(audit);
    return json({ imageId, deleted: true });
  }
  throw noRoute(req);
}

async function publishRoute(ctx: RequestContext, req: AppRequest, imageId: string): Promise<AppResponse> {
  const { store } = ctx.deps;
  const image = await ownedImage(ctx, imageId);
  if (!(await store.listing(imageId))) throw noListing(imageId);
  const publish = req.method === "POST";
  if (!publish && req.method !== "DELETE") throw noRoute(req);
  const audit = ctx.record(publish ? "PublishListing" : "UnpublishListing", imageId, "{}", "ok");
  const done = await store.setListingPublished(imageId, publish, audit);
  if (publish && !done) {
    await ctx.audit("PublishListing", imageId, "{}", "OperationNotPermitted");
    throw new Ec2Error(
      "OperationNotPermitted",
      `The listing of ${imageId} cannot be published: the image is not public. A listing is public only while its image is: make the image public first (ModifyImageAttribute LaunchPermission Add Group=all, which the scan gate must let through).`,
    );
  }
  await ctx.settle(audit);
  return json(await listingView(ctx, image, (await store.listing(imageId))!));
}

async function attestationsRoute(
  ctx: RequestContext,
  req: AppRequest,
  imageId: string,
): Promise<AppResponse> {
  const { store, region } = ctx.deps;
  const image = await ownedImage(ctx, imageId);
  if (req.method === "PUT") {
    let given: ReturnType<typeof parseGivenAnswers>;
    try {
      given = parseGivenAnswers(bodyOf(req));
    } catch (e) {
      if (e instanceof AttestationFormatError) throw invalidParameterValue(e.message);
      throw e;
    }
    if (given.length === 0)
      throw invalidParameterValue('No answers: {"answers": [{"id", "answer", "comment"}]}');
    const at = new Date().toISOString();
    const audit = ctx.record(
      "PutAttestations",
      imageId,
      JSON.stringify(given.map((g) => [g.id, g.answer])),
      "ok",
    );
    await store.putAttestations(
      imageId,
      given.map((g) => ({ ...g, by: ctx.caller.accountId, at })),
      audit,
    );
    await ctx.settle(audit);
  } else if (req.method !== "GET") throw noRoute(req);
  const { attestations } = judgeStatements(await statementsOf(store, image, region), { findings: [] });
  return json({ imageId, attestations });
}

function noRoute(req: AppRequest, pathname?: string): Ec2Error {
  return new Ec2Error(
    "InvalidAction",
    `No route for ${req.method} ${pathname ?? req.url.split("?")[0]}`,
    404,
  );
}

const IMAGE_PATH =
  /^\/amigate\/images\/([^/]+)\/(listing|listing\/draft|listing\/publish|attestations|submission|submission\.json|submission\.html)$/;

/** The response, or undefined when the path is none of these routes (the caller tries its others). */
export async function listingRoutes(
  ctx: RequestContext,
  req: AppRequest,
  url: Pick<URL, "pathname" | "searchParams">,
): Promise<AppResponse | undefined> {
  if (url.pathname === "/amigate/publisher") return publisherRoute(ctx, req);
  if (url.pathname === "/amigate/listings") {
    if (req.method !== "GET") throw noRoute(req, url.pathname);
    return searchRoute(ctx, url);
  }
  const m = IMAGE_PATH.exec(url.pathname);
  if (!m) return undefined;
  const [, imageId, what] = m as unknown as [string, string, string];
  switch (what) {
    case "listing":
      return listingRoute(ctx, req, imageId);
    case "listing/publish":
      return publishRoute(ctx, req, imageId);
    case "attestations":
      return attestationsRoute(ctx, req, imageId);
    case "listing/draft": {
      if (req.method !== "GET") throw noRoute(req, url.pathname);
      const image = await ownedImage(ctx, imageId);
      return json({ imageId, listing: await draftFor(ctx.deps.store, image) });
    }
    default: {
      if (req.method !== "GET") throw noRoute(req, url.pathname);
      const image = await ownedImage(ctx, imageId);
      const record = await submissionOf(ctx.deps.store, image, ctx.deps.region);
      return what === "submission.html"
        ? {
            status: 200,
            headers: { "content-type": "text/html;charset=utf-8" },
            body: renderSubmissionHtml(record),
          }
        : { status: 200, headers: JSON_TYPE, body: renderSubmissionJson(record) };
    }
  }
}

/** A stored scan report as served: its statement clauses judged from what the catalogue knows. */
export async function servedReport(ctx: RequestContext, image: Image, report: string): Promise<ScanResult> {
  return withStatements(
    JSON.parse(report) as ScanResult,
    await statementsOf(ctx.deps.store, image, ctx.deps.region),
  );
}
