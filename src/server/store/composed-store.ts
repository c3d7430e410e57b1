/**
 * A Store put together from one repository per record kind. Both catalogues (SQLite: sqlite.ts,
 * PostgreSQL: postgres.ts) are this composition over their own repositories; they differ only in
 * how they open, what they keep beside it, and how they close.
 */
import type { Listing } from "../../policy/listing/listing.js";
import type { AttestationAnswer } from "../../policy/result.js";
import type {
  AccountStore,
  AllowedImagesSettings,
  AttestationStore,
  AuditEntry,
  AuditRecord,
  AuditStore,
  BlobRecordStore,
  ConsoleSession,
  DeregisteredVisibility,
  Image,
  ImageQuery,
  ImageStore,
  Judgement,
  LaunchPermission,
  ListingStore,
  NewAccountOptions,
  OrganizationMembership,
  PermissionStore,
  PublishedListingQuery,
  PublisherStore,
  ScanPatch,
  ScanStore,
  SessionStore,
  SettingsStore,
  Store,
  Tag,
  TaggedImages,
  TagStore,
  UploadReservation,
} from "./types.js";
import type {
  UploadPartRecord,
  UploadResult,
  UploadSessionRecord,
  UploadSessionStore,
} from "./upload-session-store.js";

/** The repositories a Store delegates to, all over one database. */
export interface StoreParts {
  accounts: AccountStore;
  images: ImageStore;
  permissions: PermissionStore;
  tags: TagStore;
  blobs: BlobRecordStore;
  scans: ScanStore;
  settings: SettingsStore;
  listings: ListingStore;
  attestations: AttestationStore;
  publishers: PublisherStore;
  sessions: SessionStore;
  uploads: UploadSessionStore;
  log: AuditStore;
}

export abstract class ComposedStore implements Store {
  readonly #parts: StoreParts;

  protected constructor(parts: StoreParts) {
    this.#parts = parts;
  }

  createAccount(opts: NewAccountOptions) {
    return this.#parts.accounts.createAccount(opts);
  }
  account(accountId: string) {
    return this.#parts.accounts.account(accountId);
  }
  accountByAlias(alias: string) {
    return this.#parts.accounts.accountByAlias(alias);
  }
  accounts() {
    return this.#parts.accounts.accounts();
  }
  accessKey(accessKeyId: string) {
    return this.#parts.accounts.accessKey(accessKeyId);
  }
  createFirstAdmin() {
    return this.#parts.accounts.createFirstAdmin();
  }
  secretKeyFits() {
    return this.#parts.accounts.secretKeyFits();
  }
  setOrganization(accountId: string, organization: OrganizationMembership | undefined, audit?: AuditRecord) {
    return this.#parts.accounts.setOrganization(accountId, organization, audit);
  }

  insertImage(image: Image, tags: Tag[], audit?: AuditRecord) {
    return this.#parts.images.insertImage(image, tags, audit);
  }
  image(imageId: string) {
    return this.#parts.images.image(imageId);
  }
  queryImages(q: ImageQuery) {
    return this.#parts.images.queryImages(q);
  }
  async queryImagesWithTags(q: ImageQuery, accountId: string): Promise<TaggedImages> {
    const store = this.#parts.images;
    if (store.queryImagesWithTags) return store.queryImagesWithTags(q, accountId);
    const images = await store.queryImages(q);
    return {
      images,
      tags: await this.tags(
        accountId,
        images.map((i) => i.imageId),
      ),
    };
  }
  updateImage(imageId: string, patch: Partial<Omit<Image, "imageId" | "ownerId">>, audit?: AuditRecord) {
    return this.#parts.images.updateImage(imageId, patch, audit);
  }
  deleteImage(imageId: string, audit?: AuditRecord) {
    return this.#parts.images.deleteImage(imageId, audit);
  }
  countPublicImages(ownerId: string) {
    return this.#parts.images.countPublicImages(ownerId);
  }
  deregisteredImage(imageId: string) {
    return this.#parts.images.deregisteredImage(imageId);
  }
  deregisteredSince(since: string, imageIds?: string[], visibleTo?: DeregisteredVisibility) {
    return this.#parts.images.deregisteredSince(since, imageIds, visibleTo);
  }
  disableImage(imageId: string, audit?: AuditRecord) {
    return this.#parts.images.disableImage(imageId, audit);
  }

  launchPermissions(imageId: string) {
    return this.#parts.permissions.launchPermissions(imageId);
  }
  modifyLaunchPermissions(
    imageId: string,
    add: LaunchPermission[],
    remove: LaunchPermission[],
    audit?: AuditRecord,
  ) {
    return this.#parts.permissions.modifyLaunchPermissions(imageId, add, remove, audit);
  }
  resetLaunchPermissions(imageId: string, audit?: AuditRecord) {
    return this.#parts.permissions.resetLaunchPermissions(imageId, audit);
  }

  tags(accountId: string, resourceIds: string[]) {
    return this.#parts.tags.tags(accountId, resourceIds);
  }
  createTags(accountId: string, resourceIds: string[], tags: Tag[], audit?: AuditRecord) {
    return this.#parts.tags.createTags(accountId, resourceIds, tags, audit);
  }
  accountTags(accountId: string) {
    return this.#parts.tags.accountTags(accountId);
  }
  deleteTags(
    accountId: string,
    resourceIds: string[],
    tags: Array<{ key: string; value?: string }>,
    audit?: AuditRecord,
  ) {
    return this.#parts.tags.deleteTags(accountId, resourceIds, tags, audit);
  }

  recordBlob(blob: { sha256: string; size: number; uploadedBy: string }, audit?: AuditRecord) {
    return this.#parts.blobs.recordBlob(blob, audit);
  }
  blob(sha256: string) {
    return this.#parts.blobs.blob(sha256);
  }
  uploadedBlob(sha256: string, accountId: string) {
    return this.#parts.blobs.uploadedBlob(sha256, accountId);
  }
  blobBytes(accountId: string) {
    return this.#parts.blobs.blobBytes(accountId);
  }
  reserveUpload(r: UploadReservation) {
    return this.#parts.blobs.reserveUpload(r);
  }
  releaseUpload(reservationId: string) {
    return this.#parts.blobs.releaseUpload(reservationId);
  }
  accountBytes(accountId: string, now: string) {
    return this.#parts.blobs.accountBytes(accountId, now);
  }

  createUploadSession(s: UploadSessionRecord, touchedAt: string) {
    return this.#parts.uploads.createUploadSession(s, touchedAt);
  }
  uploadSession(uploadId: string) {
    return this.#parts.uploads.uploadSession(uploadId);
  }
  accountUploadSessions(accountId: string) {
    return this.#parts.uploads.accountUploadSessions(accountId);
  }
  touchUploadSession(uploadId: string, touchedAt: string) {
    return this.#parts.uploads.touchUploadSession(uploadId, touchedAt);
  }
  recordUploadPart(uploadId: string, part: UploadPartRecord) {
    return this.#parts.uploads.recordUploadPart(uploadId, part);
  }
  uploadHeldBytes(accountId: string) {
    return this.#parts.uploads.uploadHeldBytes(accountId);
  }
  claimUploadAssembly(uploadId: string, holder: string, now: string, until: string) {
    return this.#parts.uploads.claimUploadAssembly(uploadId, holder, now, until);
  }
  releaseUploadAssembly(uploadId: string, holder: string) {
    return this.#parts.uploads.releaseUploadAssembly(uploadId, holder);
  }
  finishUploadSession(uploadId: string, result: UploadResult, at: string) {
    return this.#parts.uploads.finishUploadSession(uploadId, result, at);
  }
  deleteUploadSession(uploadId: string) {
    return this.#parts.uploads.deleteUploadSession(uploadId);
  }
  expiredUploadSessions(before: string, now: string) {
    return this.#parts.uploads.expiredUploadSessions(before, now);
  }

  createScan(imageId: string) {
    return this.#parts.scans.createScan(imageId);
  }
  updateScan(scanId: number, patch: ScanPatch) {
    return this.#parts.scans.updateScan(scanId, patch);
  }
  latestScan(imageId: string) {
    return this.#parts.scans.latestScan(imageId);
  }
  unfinishedScans() {
    return this.#parts.scans.unfinishedScans();
  }
  latestScans(imageIds: string[]) {
    return this.#parts.scans.latestScans(imageIds);
  }
  scanFacts(scanId: number) {
    return this.#parts.scans.scanFacts(scanId);
  }
  judgeableScans(q: { afterScanId: number; limit: number; imageIds?: string[] }) {
    return this.#parts.scans.judgeableScans(q);
  }
  replaceJudgements(judgements: readonly Judgement[]) {
    return this.#parts.scans.replaceJudgements(judgements);
  }
  clearPendingMark(scanId: number, pendingMark: string) {
    return this.#parts.scans.clearPendingMark(scanId, pendingMark);
  }

  blockPublicAccess(accountId: string) {
    return this.#parts.settings.blockPublicAccess(accountId);
  }
  setBlockPublicAccess(accountId: string, blocked: boolean, audit?: AuditRecord) {
    return this.#parts.settings.setBlockPublicAccess(accountId, blocked, audit);
  }
  allowedImagesSettings(accountId: string) {
    return this.#parts.settings.allowedImagesSettings(accountId);
  }
  updateAllowedImagesSettings(
    accountId: string,
    change: Partial<AllowedImagesSettings>,
    audit?: AuditRecord,
  ) {
    return this.#parts.settings.updateAllowedImagesSettings(accountId, change, audit);
  }

  putListing(ownerId: string, listing: Listing, by: string, audit?: AuditRecord) {
    return this.#parts.listings.putListing(ownerId, listing, by, audit);
  }
  listing(imageId: string) {
    return this.#parts.listings.listing(imageId);
  }
  previousListing(ownerId: string, product: string, imageId: string, createdBefore: string) {
    return this.#parts.listings.previousListing(ownerId, product, imageId, createdBefore);
  }
  setListingPublished(imageId: string, published: boolean, audit?: AuditRecord) {
    return this.#parts.listings.setListingPublished(imageId, published, audit);
  }
  deleteListing(imageId: string, audit?: AuditRecord) {
    return this.#parts.listings.deleteListing(imageId, audit);
  }
  publishedListings(q: PublishedListingQuery) {
    return this.#parts.listings.publishedListings(q);
  }

  attestations(imageId: string) {
    return this.#parts.attestations.attestations(imageId);
  }
  putAttestations(
    imageId: string,
    answers: ReadonlyArray<AttestationAnswer & { id: string }>,
    audit?: AuditRecord,
  ) {
    return this.#parts.attestations.putAttestations(imageId, answers, audit);
  }

  publisher(accountId: string) {
    return this.#parts.publishers.publisher(accountId);
  }
  setPublisher(accountId: string, url: string, audit?: AuditRecord) {
    return this.#parts.publishers.setPublisher(accountId, url, audit);
  }

  createSession(session: ConsoleSession, audit?: AuditRecord) {
    return this.#parts.sessions.createSession(session, audit);
  }
  session(tokenHash: string) {
    return this.#parts.sessions.session(tokenHash);
  }
  touchSession(tokenHash: string, lastSeenAt: string) {
    return this.#parts.sessions.touchSession(tokenHash, lastSeenAt);
  }
  deleteSession(tokenHash: string, audit?: AuditRecord) {
    return this.#parts.sessions.deleteSession(tokenHash, audit);
  }
  deleteExpiredSessions(now: string, idleBefore: string) {
    return this.#parts.sessions.deleteExpiredSessions(now, idleBefore);
  }

  audit(entry: AuditEntry) {
    return this.#parts.log.audit(entry);
  }
  auditLog(limit: number) {
    return this.#parts.log.auditLog(limit);
  }

  abstract close(): Promise<void>;
}
