/**
 * The one way bytes become a stored blob, for a single PUT /amigate/blobs and for a completed
 * upload session alike: the blob store spools them (hashing), checks the digest the client signed,
 * refuses an image that is not self-contained, keeps it, and the store records who uploaded it.
 */
import { externalReference } from "../container/disk/container.js";
import { Ec2Error } from "./ec2/errors.js";
import { BlobDigestError } from "./store/blobs.js";
import type { RequestContext } from "./types.js";

class NotSelfContainedError extends Error {
  override readonly name = "NotSelfContainedError";
}

/**
 * Only self-contained images are stored: every tenant's blob sits in one folder, so an image that
 * names another file (a VMDK extent "../<sha256>", a qcow2 backing file, a VHD parent) could make
 * the scanner read another tenant's upload or a host file and show its facts in the report.
 */
async function refuseExternalReferences(file: string): Promise<void> {
  const reference = await externalReference(file);
  if (reference !== undefined)
    throw new NotSelfContainedError(
      `The image is not self-contained: ${reference}. Push one file that holds the whole disk (qemu-img convert -O qcow2, or a raw or streamOptimized VMDK).`,
    );
}

/**
 * Stores `body` as the caller's blob; refusals are audited under `action` (with `detail`) and
 * thrown as EC2 errors. The accepted blob is audited as PutBlob with its size.
 */
export async function storeBlob(
  ctx: RequestContext,
  action: string,
  body: AsyncIterable<Uint8Array>,
  expectedSha256: string | undefined,
  detail: Record<string, unknown>,
): Promise<{ sha256: string; size: number }> {
  let stored: { sha256: string; size: number };
  try {
    stored = await ctx.deps.blobs.put(body, expectedSha256, refuseExternalReferences);
  } catch (e) {
    if (e instanceof NotSelfContainedError) {
      await ctx.audit(
        action,
        undefined,
        JSON.stringify({ ...detail, refused: e.message }),
        "InvalidParameterValue",
      );
      throw new Ec2Error("InvalidParameterValue", e.message, 400);
    }
    if (e instanceof BlobDigestError) {
      await ctx.audit(
        action,
        undefined,
        JSON.stringify({ ...detail, expected: expectedSha256 }),
        "XAmzContentSHA256Mismatch",
      );
      throw new Ec2Error("XAmzContentSHA256Mismatch", e.message, 400);
    }
    if (e instanceof Ec2Error && e.httpStatus === 413)
      await ctx.audit(action, undefined, JSON.stringify(detail), e.code);
    throw e;
  }
  const audit = ctx.record("PutBlob", `blob:${stored.sha256}`, JSON.stringify({ size: stored.size }), "ok");
  await ctx.deps.store.recordBlob({ ...stored, uploadedBy: ctx.caller.accountId }, audit);
  await ctx.settle(audit);
  return stored;
}
