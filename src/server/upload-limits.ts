/**
 * Upload limits (docs/server.md "Limits"): the size of one blob (`--max-upload`) and the bytes of
 * stored blobs an account may have (`--account-quota`). An upload over either is refused with HTTP
 * 413 before its body is read when its Content-Length says so, else as soon as the bytes counted
 * pass the limit: reading stops there and nothing is kept.
 */
import { Ec2Error } from "./ec2/errors.js";

export interface UploadLimits {
  /** Bytes one blob may have; 0 = no limit. */
  maxBlobBytes: number;
  /** Bytes of stored blobs (uploads in flight included) one account may have; 0 = no limit. */
  accountQuotaBytes: number;
}

export const DEFAULT_UPLOAD_LIMITS: UploadLimits = {
  maxBlobBytes: 32 * 2 ** 30,
  accountQuotaBytes: 128 * 2 ** 30,
};

export const tooLarge = (limit: number, size?: number): Ec2Error =>
  new Ec2Error(
    "RequestEntityTooLarge",
    `The upload${size !== undefined ? ` of ${size} bytes` : ""} is larger than the limit of ${limit} bytes per image.`,
    413,
  );

export const overQuota = (quota: number, stored: number): Ec2Error =>
  new Ec2Error(
    "ResourceLimitExceeded",
    `You have reached your quota of ${quota} bytes of stored images (${stored} bytes stored or being uploaded).`,
    413,
  );

/** Bytes each account is uploading right now, so concurrent uploads count against the quota together. */
export class UploadLedger {
  private readonly inFlight = new Map<string, number>();

  constructor(readonly limits: UploadLimits) {}

  uploading(accountId: string): number {
    return this.inFlight.get(accountId) ?? 0;
  }

  private add(accountId: string, n: number): void {
    const v = this.uploading(accountId) + n;
    if (v === 0) this.inFlight.delete(accountId);
    else this.inFlight.set(accountId, v);
  }

  /**
   * Checks what the request declares (Content-Length), then passes the body through, counting;
   * the chunk that would pass a limit is never handed on: the iterable throws an Ec2Error (413)
   * instead. `stored` is the account's stored blob bytes when the upload began.
   */
  admit(
    accountId: string,
    stored: number,
    declared: number | undefined,
    body: AsyncIterable<Uint8Array>,
  ): AsyncIterable<Uint8Array> {
    const { maxBlobBytes: max, accountQuotaBytes: quota } = this.limits;
    if (max > 0 && declared !== undefined && declared > max) throw tooLarge(max, declared);
    if (quota > 0 && stored + this.uploading(accountId) + (declared ?? 0) > quota)
      throw overQuota(quota, stored + this.uploading(accountId));
    const ledger = this;
    return (async function* () {
      let size = 0;
      try {
        for await (const chunk of body) {
          size += chunk.length;
          ledger.add(accountId, chunk.length);
          if (max > 0 && size > max) throw tooLarge(max);
          if (quota > 0 && stored + ledger.uploading(accountId) > quota)
            throw overQuota(quota, stored + ledger.uploading(accountId) - chunk.length);
          yield chunk;
        }
      } finally {
        ledger.add(accountId, -size);
      }
    })();
  }
}
