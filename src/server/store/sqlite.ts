/**
 * The catalogue on SQLite: one repository per record kind (store/sqlite/) over one connection,
 * put together as the Store the API layer talks to. Writes commit with the call's audit entry
 * (SqliteAuditLog.write); images and launch permissions share one ImageCache.
 */
import path from "node:path";
import type { Listing } from "../../policy/listing/listing.js";
import type { AttestationAnswer } from "../../policy/result.js";
import { ImageCache } from "./image-cache.js";
import type { MigrationResult } from "./migrations.js";
import type { SecretBox } from "./secret-box.js";
import { SqliteAccounts } from "./sqlite/accounts.js";
import { SqliteAttestations } from "./sqlite/attestations.js";
import { SqliteAuditLog } from "./sqlite/audit.js";
import { SqliteBlobRecords } from "./sqlite/blob-records.js";
import { SqliteDatabase } from "./sqlite/database.js";
import { SqliteImages } from "./sqlite/images.js";
import { SqliteListings } from "./sqlite/listings.js";
import { SqlitePermissions } from "./sqlite/permissions.js";
import { SqlitePublishers } from "./sqlite/publishers.js";
import { SqliteScans } from "./sqlite/scans.js";
import { SqliteSessions } from "./sqlite/sessions.js";
import { SqliteSettings } from "./sqlite/settings.js";
import { SqliteTags } from "./sqlite/tags.js";
import type {
  AccountStore,
  AllowedImagesSettings,
  AttestationStore,
  AuditEntry,
  AuditRecord,
  BlobRecordStore,
  ConsoleSession,
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
  TagStore,
} from "./types.js";

export { permissionKey } from "./sqlite/permissions.js";

export class SqliteStore implements Store {
  readonly #db: SqliteDatabase;
  readonly #log: SqliteAuditLog;
  readonly #accounts: AccountStore;
  readonly #images: ImageStore;
  readonly #permissions: PermissionStore;
  readonly #tags: TagStore;
  readonly #blobs: BlobRecordStore;
  readonly #scans: ScanStore;
  readonly #settings: SettingsStore;
  readonly #listings: ListingStore;
  readonly #attestations: AttestationStore;
  readonly #publishers: PublisherStore;
  readonly #sessions: SessionStore;

  /** `file`: the database, `<dataDir>/catalogue.db` unless `--database` names another. */
  constructor(dataDir: string, secrets: SecretBox, file = path.join(dataDir, "catalogue.db")) {
    const db = new SqliteDatabase(file);
    const log = new SqliteAuditLog(db);
    const cache = new ImageCache(Number(process.env.AMIGATE_IMAGE_CACHE ?? 50_000), () => db.dataVersion());
    const tags = new SqliteTags(db, log);
    this.#db = db;
    this.#log = log;
    this.#accounts = new SqliteAccounts(db, secrets, log);
    this.#images = new SqliteImages(db, log, cache, tags);
    this.#permissions = new SqlitePermissions(db, log, cache);
    this.#tags = tags;
    this.#blobs = new SqliteBlobRecords(db, log);
    this.#scans = new SqliteScans(db);
    this.#settings = new SqliteSettings(db, log);
    this.#listings = new SqliteListings(db, log);
    this.#attestations = new SqliteAttestations(db, log);
    this.#publishers = new SqlitePublishers(db, log);
    this.#sessions = new SqliteSessions(db, log);
  }

  createAccount(opts: NewAccountOptions) {
    return this.#accounts.createAccount(opts);
  }
  account(accountId: string) {
    return this.#accounts.account(accountId);
  }
  accountByAlias(alias: string) {
    return this.#accounts.accountByAlias(alias);
  }
  accounts() {
    return this.#accounts.accounts();
  }
  accessKey(accessKeyId: string) {
    return this.#accounts.accessKey(accessKeyId);
  }
  createFirstAdmin() {
    return this.#accounts.createFirstAdmin();
  }
  secretKeyFits() {
    return this.#accounts.secretKeyFits();
  }
  setOrganization(accountId: string, organization: OrganizationMembership | undefined, audit?: AuditRecord) {
    return this.#accounts.setOrganization(accountId, organization, audit);
  }

  insertImage(image: Image, tags: Tag[], audit?: AuditRecord) {
    return this.#images.insertImage(image, tags, audit);
  }
  image(imageId: string) {
    return this.#images.image(imageId);
  }
  queryImages(q: ImageQuery) {
    return this.#images.queryImages(q);
  }
  updateImage(imageId: string, patch: Partial<Omit<Image, "imageId" | "ownerId">>, audit?: AuditRecord) {
    return this.#images.updateImage(imageId, patch, audit);
  }
  deleteImage(imageId: string, audit?: AuditRecord) {
    return this.#images.deleteImage(imageId, audit);
  }
  countPublicImages(ownerId: string) {
    return this.#images.countPublicImages(ownerId);
  }
  deregisteredImage(imageId: string) {
    return this.#images.deregisteredImage(imageId);
  }
  deregisteredSince(since: string, imageIds?: string[]) {
    return this.#images.deregisteredSince(since, imageIds);
  }
  disableImage(imageId: string, audit?: AuditRecord) {
    return this.#images.disableImage(imageId, audit);
  }

  launchPermissions(imageId: string) {
    return this.#permissions.launchPermissions(imageId);
  }
  modifyLaunchPermissions(
    imageId: string,
    add: LaunchPermission[],
    remove: LaunchPermission[],
    audit?: AuditRecord,
  ) {
    return this.#permissions.modifyLaunchPermissions(imageId, add, remove, audit);
  }
  resetLaunchPermissions(imageId: string, audit?: AuditRecord) {
    return this.#permissions.resetLaunchPermissions(imageId, audit);
  }

  tags(accountId: string, resourceIds: string[]) {
    return this.#tags.tags(accountId, resourceIds);
  }
  createTags(accountId: string, resourceIds: string[], tags: Tag[], audit?: AuditRecord) {
    return this.#tags.createTags(accountId, resourceIds, tags, audit);
  }
  accountTags(accountId: string) {
    return this.#tags.accountTags(accountId);
  }
  deleteTags(
    accountId: string,
    resourceIds: string[],
    tags: Array<{ key: string; value?: string }>,
    audit?: AuditRecord,
  ) {
    return this.#tags.deleteTags(accountId, resourceIds, tags, audit);
  }

  recordBlob(blob: { sha256: string; size: number; uploadedBy: string }, audit?: AuditRecord) {
    return this.#blobs.recordBlob(blob, audit);
  }
  blob(sha256: string) {
    return this.#blobs.blob(sha256);
  }
  blobBytes(accountId: string) {
    return this.#blobs.blobBytes(accountId);
  }

  createScan(imageId: string) {
    return this.#scans.createScan(imageId);
  }
  updateScan(scanId: number, patch: ScanPatch) {
    return this.#scans.updateScan(scanId, patch);
  }
  latestScan(imageId: string) {
    return this.#scans.latestScan(imageId);
  }
  unfinishedScans() {
    return this.#scans.unfinishedScans();
  }
  latestScans(imageIds: string[]) {
    return this.#scans.latestScans(imageIds);
  }
  scanFacts(scanId: number) {
    return this.#scans.scanFacts(scanId);
  }
  judgeableScans(q: { afterScanId: number; limit: number; imageIds?: string[] }) {
    return this.#scans.judgeableScans(q);
  }
  replaceJudgements(judgements: readonly Judgement[]) {
    return this.#scans.replaceJudgements(judgements);
  }

  blockPublicAccess(accountId: string) {
    return this.#settings.blockPublicAccess(accountId);
  }
  setBlockPublicAccess(accountId: string, blocked: boolean, audit?: AuditRecord) {
    return this.#settings.setBlockPublicAccess(accountId, blocked, audit);
  }
  allowedImagesSettings(accountId: string) {
    return this.#settings.allowedImagesSettings(accountId);
  }
  updateAllowedImagesSettings(
    accountId: string,
    change: Partial<AllowedImagesSettings>,
    audit?: AuditRecord,
  ) {
    return this.#settings.updateAllowedImagesSettings(accountId, change, audit);
  }

  putListing(ownerId: string, listing: Listing, by: string, audit?: AuditRecord) {
    return this.#listings.putListing(ownerId, listing, by, audit);
  }
  listing(imageId: string) {
    return this.#listings.listing(imageId);
  }
  previousListing(ownerId: string, product: string, imageId: string, createdBefore: string) {
    return this.#listings.previousListing(ownerId, product, imageId, createdBefore);
  }
  setListingPublished(imageId: string, published: boolean, audit?: AuditRecord) {
    return this.#listings.setListingPublished(imageId, published, audit);
  }
  deleteListing(imageId: string, audit?: AuditRecord) {
    return this.#listings.deleteListing(imageId, audit);
  }
  publishedListings(q: PublishedListingQuery) {
    return this.#listings.publishedListings(q);
  }

  attestations(imageId: string) {
    return this.#attestations.attestations(imageId);
  }
  putAttestations(
    imageId: string,
    answers: ReadonlyArray<AttestationAnswer & { id: string }>,
    audit?: AuditRecord,
  ) {
    return this.#attestations.putAttestations(imageId, answers, audit);
  }

  publisher(accountId: string) {
    return this.#publishers.publisher(accountId);
  }
  setPublisher(accountId: string, url: string, audit?: AuditRecord) {
    return this.#publishers.setPublisher(accountId, url, audit);
  }

  createSession(session: ConsoleSession, audit?: AuditRecord) {
    return this.#sessions.createSession(session, audit);
  }
  session(tokenHash: string) {
    return this.#sessions.session(tokenHash);
  }
  touchSession(tokenHash: string, lastSeenAt: string) {
    return this.#sessions.touchSession(tokenHash, lastSeenAt);
  }
  deleteSession(tokenHash: string, audit?: AuditRecord) {
    return this.#sessions.deleteSession(tokenHash, audit);
  }
  deleteExpiredSessions(now: string, idleBefore: string) {
    return this.#sessions.deleteExpiredSessions(now, idleBefore);
  }

  audit(entry: AuditEntry) {
    return this.#log.audit(entry);
  }
  auditLog(limit: number) {
    return this.#log.auditLog(limit);
  }

  /** What opening did to the schema. */
  get migrated(): MigrationResult {
    return this.#db.migrated;
  }

  /** Runs many store calls in one transaction (seeding, benchmarks); the calls' bodies are synchronous. */
  bulk(fn: () => void): void {
    this.#db.transaction(fn);
  }

  async close(): Promise<void> {
    this.#log.flush();
    this.#db.close();
  }
}
