/**
 * The catalogue on PostgreSQL: one repository per record kind (store/postgres/) over one pg.Pool,
 * put together as the Store the API layer talks to, with the same semantics as the SQLite store
 * (the contract suite, test/support/store-contract.ts, runs against both). Writes commit with the
 * call's audit entry (PostgresAuditLog.write). Nothing is cached in the process: any number of API
 * nodes can share the database.
 */
import type { Listing } from "../../policy/listing/listing.js";
import type { AttestationAnswer } from "../../policy/result.js";
import type { MigrationResult } from "./migrations.js";
import { PostgresAccounts } from "./postgres/accounts.js";
import { PostgresAttestations } from "./postgres/attestations.js";
import { PostgresAuditLog } from "./postgres/audit.js";
import { PostgresBlobRecords } from "./postgres/blob-records.js";
import { PostgresDatabase } from "./postgres/database.js";
import { PostgresImages } from "./postgres/images.js";
import { PostgresListings } from "./postgres/listings.js";
import { PostgresPermissions } from "./postgres/permissions.js";
import { PostgresPublishers } from "./postgres/publishers.js";
import { PostgresScans } from "./postgres/scans.js";
import { PostgresSessions } from "./postgres/sessions.js";
import { PostgresSettings } from "./postgres/settings.js";
import { PostgresTags } from "./postgres/tags.js";
import type { SecretBox } from "./secret-box.js";
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

export class PostgresStore implements Store {
  readonly #db: PostgresDatabase;
  readonly #log: PostgresAuditLog;
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
  /** What opening did to the schema. */
  readonly migrated: MigrationResult;

  private constructor(db: PostgresDatabase, migrated: MigrationResult, secrets: SecretBox) {
    const log = new PostgresAuditLog(db);
    const tags = new PostgresTags(db, log);
    this.#db = db;
    this.#log = log;
    this.migrated = migrated;
    this.#accounts = new PostgresAccounts(db, secrets, log);
    this.#images = new PostgresImages(db, log, tags);
    this.#permissions = new PostgresPermissions(db, log);
    this.#tags = tags;
    this.#blobs = new PostgresBlobRecords(db, log);
    this.#scans = new PostgresScans(db);
    this.#settings = new PostgresSettings(db, log);
    this.#listings = new PostgresListings(db, log);
    this.#attestations = new PostgresAttestations(db, log);
    this.#publishers = new PostgresPublishers(db, log);
    this.#sessions = new PostgresSessions(db, log);
  }

  /** Connects to `url` (postgres://…) and brings the schema up to date. */
  static async open(url: string, secrets: SecretBox): Promise<PostgresStore> {
    const { db, migrated } = await PostgresDatabase.open(url);
    return new PostgresStore(db, migrated, secrets);
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

  async close(): Promise<void> {
    await this.#log.flush();
    await this.#db.close();
  }
}
