/**
 * Upload limits (docs/server.md "Limits"): the size of one blob (`--max-upload`) and the bytes of
 * stored blobs an account may have (`--account-quota`), counted in the catalogue's database with
 * every node's uploads in flight. An upload over either is refused with HTTP
 * 413 before its body is read when its Content-Length says so, else as soon as the bytes counted
 * pass the limit: reading stops there and nothing is kept.
 */
import { randomUUID } from "node:crypto";
import { Ec2Error } from "./ec2/errors.js";
import type { BlobRecordStore } from "./store/types.js";

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

/** Where uploads' reservations are kept: the catalogue's database, shared by every API node. */
export type ReservationStore = Pick<BlobRecordStore, "reserveUpload" | "releaseUpload" | "accountBytes">;

/**
 * How long a reservation counts unless set again: an upload renews it every half lease, so only
 * the uploads of a node that died stop counting, a lease after their last renewal.
 */
export const RESERVATION_LEASE_MS = 10 * 60_000;
/** Bytes an upload without a Content-Length reserves at a time (one transaction per step). */
export const RESERVATION_STEP = 64 * 2 ** 20;

/** An upload let in: its body, counted against the limits, and its reservation to end once recorded. */
export interface AdmittedUpload {
  body: AsyncIterable<Uint8Array>;
  /** Ends the reservation (idempotent): after the blob is recorded, when it counts as stored. */
  release(): Promise<void>;
}

/**
 * The upload limits, with the quota counted in the shared database: an upload reserves its bytes
 * (its Content-Length at once, else a step at a time) in a transaction that sees the account's
 * stored blobs and every node's reservations, so two nodes enforce one quota.
 */
export class UploadLedger {
  constructor(
    readonly limits: UploadLimits,
    private readonly store: ReservationStore,
    private readonly now: () => number = Date.now,
  ) {}

  /** Bytes the account has stored and is uploading (through any node). */
  used(accountId: string): Promise<number> {
    return this.store.accountBytes(accountId, new Date(this.now()).toISOString());
  }

  /**
   * Checks what the request declares (Content-Length) and reserves it, then passes the body
   * through, counting; the chunk that would pass a limit is never handed on: the iterable throws an
   * Ec2Error (413) instead. `held` is what this node counts besides (its sessions' parts).
   */
  async admit(
    accountId: string,
    held: number,
    declared: number | undefined,
    body: AsyncIterable<Uint8Array>,
  ): Promise<AdmittedUpload> {
    const { maxBlobBytes: max, accountQuotaBytes: quota } = this.limits;
    if (max > 0 && declared !== undefined && declared > max) throw tooLarge(max, declared);
    const reservation = quota > 0 ? new Reservation(this.store, accountId, held, quota, this.now) : undefined;
    if (reservation && declared !== undefined) await reservation.grow(declared, declared);
    return {
      body: (async function* () {
        let size = 0;
        let ok = false;
        try {
          for await (const chunk of body) {
            size += chunk.length;
            if (max > 0 && size > max) throw tooLarge(max);
            await reservation?.cover(size);
            yield chunk;
          }
          ok = true;
        } finally {
          // Refused or cut: the room is free at once; stored: the caller releases once it is recorded.
          if (!ok) await reservation?.release();
        }
      })(),
      release: async () => reservation?.release(),
    };
  }
}

/** One upload's reservation row. */
class Reservation {
  readonly #id = randomUUID();
  #bytes = 0;
  #setAt = 0;
  #released = false;

  constructor(
    private readonly store: ReservationStore,
    private readonly accountId: string,
    private readonly held: number,
    private readonly quota: number,
    private readonly now: () => number,
  ) {}

  /** Makes the reservation cover `size` bytes, a step ahead, and renews its lease when half used. */
  async cover(size: number): Promise<void> {
    if (size > this.#bytes) await this.grow(size, Math.max(size, this.#bytes + RESERVATION_STEP));
    else if (this.now() - this.#setAt > RESERVATION_LEASE_MS / 2) await this.grow(this.#bytes, this.#bytes);
  }

  /** Sets the reservation to `want` bytes, else (no room for that) to all the room left if that covers `need`. */
  async grow(need: number, want: number): Promise<void> {
    let r = await this.#set(want);
    if (!r.granted && want > need) r = await this.#set(Math.max(need, this.quota - r.used));
    if (!r.granted) throw overQuota(this.quota, r.used);
  }

  async #set(bytes: number): Promise<{ granted: boolean; used: number }> {
    const now = this.now();
    const r = await this.store.reserveUpload({
      reservationId: this.#id,
      accountId: this.accountId,
      bytes,
      quota: this.quota,
      extraBytes: this.held,
      expiresAt: new Date(now + RESERVATION_LEASE_MS).toISOString(),
      now: new Date(now).toISOString(),
    });
    if (r.granted) {
      this.#bytes = bytes;
      this.#setAt = now;
    }
    return r;
  }

  async release(): Promise<void> {
    if (this.#released) return;
    this.#released = true;
    if (this.#setAt > 0) await this.store.releaseUpload(this.#id);
  }
}
