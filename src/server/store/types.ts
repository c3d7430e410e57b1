/**
 * The catalogue's storage contract. The API layer (ec2/, app.ts) talks only to these interfaces,
 * so a PostgreSQL + S3 implementation can replace store/sqlite.ts and store/blobs.ts unchanged.
 * Every method is async for that reason, even though SQLite answers synchronously. Store is one
 * piece per record kind (AccountStore, ImageStore, …); store/sqlite/ implements each over one
 * connection and store/sqlite.ts puts them together.
 */

import type { Readable } from "node:stream";
import type { Listing } from "../../policy/listing/listing.js";
import type { AttestationAnswer } from "../../policy/result.js";
import type { S3Location } from "./s3-location.js";
import type { UploadPartBytes } from "./upload-parts.js";
import type { UploadSessionStore } from "./upload-session-store.js";

/**
 * Where an account sits in an AWS Organizations tree: launch permissions by organization ARN reach
 * every account of the organization, by OU ARN every account in that OU or an OU below it.
 */
export interface OrganizationMembership {
  /** o-… */
  organizationId: string;
  /** The OUs from the root down to the account's own (ou-…); empty: directly under the root. */
  ouPath: string[];
}

export interface Account {
  accountId: string;
  /** Reserved system aliases only (amazon, aws-marketplace): users cannot alias an owner (FND-2). */
  alias?: string;
  admin: boolean;
  createdAt: string;
  organization?: OrganizationMembership;
}

export interface NewAccount {
  account: Account;
  accessKeyId: string;
  secretAccessKey: string;
}

export interface EbsBlockDevice {
  snapshotId?: string;
  volumeSize?: number;
  volumeType?: string;
  deleteOnTermination?: boolean;
  encrypted?: boolean;
  iops?: number;
  kmsKeyId?: string;
  throughput?: number;
}

export interface BlockDeviceMapping {
  deviceName?: string;
  virtualName?: string;
  noDevice?: string;
  ebs?: EbsBlockDevice;
}

/** A deregistered image is no longer in the store's images; its last document says "deregistered". */
export type ImageState = "pending" | "available" | "failed" | "disabled" | "deregistered";

/** DescribeImages' deregistrationProtection while protection is on (absent: "disabled"). */
export type DeregistrationProtection = "enabled-without-cooldown" | "enabled-with-cooldown";

export interface Image {
  imageId: string;
  ownerId: string;
  ownerAlias?: string;
  name: string;
  description?: string;
  architecture: string;
  virtualizationType: string;
  rootDeviceType: string;
  rootDeviceName?: string;
  /** Only "windows" exists in EC2; Linux images leave it out. */
  platform?: string;
  platformDetails: string;
  bootMode?: string;
  enaSupport?: boolean;
  sriovNetSupport?: string;
  imdsSupport?: string;
  tpmSupport?: string;
  kernelId?: string;
  ramdiskId?: string;
  imageLocation: string;
  state: ImageState;
  creationDate: string;
  blockDeviceMappings: BlockDeviceMapping[];
  /** The pushed disk or archive behind the image, if any. */
  blob?: { sha256: string; size: number };
  isPublic: boolean;
  lastLaunchedTime?: string;
  /** EnableImageDeprecation's time (whole minutes; EC2's format, milliseconds .000Z). */
  deprecationTime?: string;
  deregistrationProtection?: DeregistrationProtection;
  /** Disabling a protection that had a cooldown leaves the image protected until this time. */
  deregistrationProtectedUntil?: string;
  /** RegisterImage fields the caller set; a scan fills only the others. */
  given?: string[];
  /** CopyImage: the image copied and its region. */
  sourceImageId?: string;
  sourceImageRegion?: string;
  /** CopyImage's ClientToken: the same token again answers this image instead of copying twice. */
  clientToken?: string;
}

export type LaunchPermission =
  | { userId: string }
  | { group: "all" }
  | { organizationArn: string }
  | { organizationalUnitArn: string };

export interface Tag {
  key: string;
  value: string;
}

/** The visible-set narrowing DescribeImages does in storage; filters run over the result. */
export interface ImageQuery {
  callerId: string;
  /** The caller's organization and OUs: their launch permissions make images visible too. */
  organization?: OrganizationMembership;
  imageIds?: string[];
  /** Resolved account ids (aliases and `self` already mapped). */
  ownerIds?: string[];
  executableBy?: { all: boolean; self: boolean; accountIds: string[] };
  /** Keyset paging: only images whose id sorts after this one. */
  afterImageId?: string;
  /** At most this many images (the first ones by image id). */
  limit?: number;
  /** Leave out disabled images (DescribeImages without IncludeDisabled). */
  excludeDisabled?: boolean;
  /**
   * Leave out other owners' images whose deprecation time is at or before this ISO time
   * (DescribeImages without IncludeDeprecated or ImageId.N); the caller's own always stay.
   */
  hideDeprecatedAsOf?: string;
}

/** Images and, by image id, the tags one account set on them (only images with tags appear). */
export interface TaggedImages {
  images: Image[];
  tags: Map<string, Tag[]>;
}

/** Who the deregistered images are read for (ImageStore.deregisteredSince). */
export interface DeregisteredVisibility {
  callerId: string;
  inOrganization: boolean;
}

/** A deregistered image: its last document (state "deregistered") and who could see it then. */
export interface DeregisteredImage {
  image: Image;
  deregisteredAt: string;
  /** The account ids, organization ARNs and OU ARNs it was shared with when it was deregistered. */
  sharedWith: string[];
}

export type ScanStatus = "pending" | "running" | "done" | "failed";

export interface ScanRecord {
  scanId: number;
  imageId: string;
  status: ScanStatus;
  startedAt: string;
  finishedAt?: string;
  /** The ScanResult JSON (policy/result.ts) once done. */
  report?: string;
  error?: string;
  /** When a re-judgement (server/rejudge.ts) last changed the report. */
  judgedAt?: string;
}

/** A change to a scan record; `facts` is its facts snapshot (scan/snapshot.ts JSON), kept compressed. */
export type ScanPatch = Partial<Omit<ScanRecord, "scanId" | "imageId">> & { facts?: string };

/** A re-judged report for a scan, written only over the judgement it was made from. */
export interface Judgement {
  scanId: number;
  /** The scan's judgedAt when it was read (undefined: never re-judged). */
  expectedJudgedAt: string | undefined;
  report: string;
  judgedAt: string;
  /**
   * What the re-judgement still has to do to the image (the verdict tag, its audit entry, the
   * public grant under make-private), written with the report so a process killed between the two
   * leaves it to the next run instead of losing it (JSON, rejudge.ts PendingMark).
   */
  pendingMark?: string;
}

/** The latest scan of an image, finished with a report and its facts snapshot: what re-judging reads. */
export interface JudgeableScan {
  scanId: number;
  imageId: string;
  report: string;
  facts: string;
  judgedAt?: string;
  /** A mark written with the report and not yet carried out (Judgement.pendingMark). */
  pendingMark?: string;
}

export interface AuditEntry {
  at: string;
  accountId: string;
  accessKeyId: string;
  action: string;
  resource?: string;
  /** Request parameters, secrets never included. */
  detail: string;
  sourceIp: string;
  outcome: string;
}

/**
 * A call's audit entry handed to the write that makes its change: the store commits both in one
 * transaction and then sets `written`, so no change is ever committed without its entry.
 */
export interface AuditRecord {
  entry: AuditEntry;
  written: boolean;
}

export interface NewAccountOptions {
  alias?: string;
  admin?: boolean;
  accountId?: string;
  organization?: OrganizationMembership;
}

/** Accounts and their access keys. */
export interface AccountStore {
  createAccount(opts: NewAccountOptions): Promise<NewAccount>;
  account(accountId: string): Promise<Account | undefined>;
  accountByAlias(alias: string): Promise<Account | undefined>;
  accounts(): Promise<Account[]>;
  /** The secret in clear, for SigV4 verification only. */
  accessKey(accessKeyId: string): Promise<{ accountId: string; secretAccessKey: string } | undefined>;
  /**
   * The first start's admin account, created only if the catalogue has no account yet; one
   * transaction, so nodes starting together on an empty database create one admin between them.
   */
  createFirstAdmin(): Promise<NewAccount | undefined>;
  /**
   * Whether this store's secret key opens the oldest sealed secret (true when none is stored yet):
   * false means a secret.key other than the one the catalogue's access keys were sealed with.
   */
  secretKeyFits(): Promise<boolean>;
  /** Moves an account into an organization (and OU), or out of any (undefined). */
  setOrganization(
    accountId: string,
    organization: OrganizationMembership | undefined,
    audit?: AuditRecord,
  ): Promise<void>;
}

/** Image documents, their block device mappings included. */
export interface ImageStore {
  insertImage(image: Image, tags: Tag[], audit?: AuditRecord): Promise<void>;
  image(imageId: string): Promise<Image | undefined>;
  queryImages(q: ImageQuery): Promise<Image[]>;
  /**
   * queryImages with `accountId`'s tags on each image, when the store reads both in one go (on
   * PostgreSQL one statement instead of two round trips in a row); Store.queryImagesWithTags
   * falls back to queryImages and then tags.
   */
  queryImagesWithTags?(q: ImageQuery, accountId: string): Promise<TaggedImages>;
  updateImage(
    imageId: string,
    patch: Partial<Omit<Image, "imageId" | "ownerId">>,
    audit?: AuditRecord,
  ): Promise<void>;
  /**
   * DeregisterImage: the image leaves the images (its grants, tags, listing and scans with it) and
   * its record stays among the deregistered images, in the same transaction.
   */
  deleteImage(imageId: string, audit?: AuditRecord): Promise<void>;
  countPublicImages(ownerId: string): Promise<number>;
  deregisteredImage(imageId: string): Promise<DeregisteredImage | undefined>;
  /**
   * Images deregistered at or after `since` (ISO), in id order: all, or only these ids; with
   * `visibleTo`, at least those that account could see (its own, public ones, those shared with
   * it, and with `inOrganization` every one shared with an organization or OU, which the caller
   * checks): a busy catalogue deregisters thousands an hour, and each DescribeImages reads them.
   */
  deregisteredSince(
    since: string,
    imageIds?: string[],
    visibleTo?: DeregisteredVisibility,
  ): Promise<DeregisteredImage[]>;
  /** DisableImage: state "disabled", every launch permission removed (private), in one transaction. */
  disableImage(imageId: string, audit?: AuditRecord): Promise<void>;
}

/** Launch permissions (grants); an image is public while it holds `group: all`. */
export interface PermissionStore {
  launchPermissions(imageId: string): Promise<readonly LaunchPermission[]>;
  /** Applies removals then additions in one transaction; returns the resulting list. */
  modifyLaunchPermissions(
    imageId: string,
    add: LaunchPermission[],
    remove: LaunchPermission[],
    audit?: AuditRecord,
  ): Promise<LaunchPermission[]>;
  resetLaunchPermissions(imageId: string, audit?: AuditRecord): Promise<void>;
}

export interface TagStore {
  /** Tags are per account: each caller sees the tags it set (the owner's stay private to the owner). */
  tags(accountId: string, resourceIds: string[]): Promise<Map<string, Tag[]>>;
  createTags(accountId: string, resourceIds: string[], tags: Tag[], audit?: AuditRecord): Promise<void>;
  accountTags(accountId: string): Promise<Array<Tag & { resourceId: string }>>;
  deleteTags(
    accountId: string,
    resourceIds: string[],
    tags: Array<{ key: string; value?: string }>,
    audit?: AuditRecord,
  ): Promise<void>;
}

/** The record of each stored blob (the bytes are the BlobStore's). */
export interface BlobRecordStore {
  recordBlob(blob: { sha256: string; size: number; uploadedBy: string }, audit?: AuditRecord): Promise<void>;
  /** The blob and its first uploader. */
  blob(sha256: string): Promise<{ sha256: string; size: number; uploadedBy: string } | undefined>;
  /** The blob if `accountId` is one of the accounts that uploaded it (each may register it). */
  uploadedBlob(sha256: string, accountId: string): Promise<{ sha256: string; size: number } | undefined>;
  /** Bytes of the blobs an account uploaded, each once however many others uploaded it too
   * (what its --account-quota counts). */
  blobBytes(accountId: string): Promise<number>;
  /**
   * Sets an upload's reservation (created on first use) to `bytes` if the account's stored blobs,
   * its other live reservations and `extraBytes` leave room under `quota`; decided one at a time
   * per account across every node. Reservations whose lease ran out by `now` stop counting.
   */
  reserveUpload(r: UploadReservation): Promise<{ granted: boolean; used: number }>;
  /** The upload ended (stored, refused or cut): its reservation stops counting. */
  releaseUpload(reservationId: string): Promise<void>;
  /** Bytes of the account's stored blobs and of its live reservations at `now` (ISO). */
  accountBytes(accountId: string, now: string): Promise<number>;
}

/** An upload's bytes held against its account's quota while it streams (in the shared database). */
export interface UploadReservation {
  reservationId: string;
  accountId: string;
  /** The reservation's new total (the same total renews its lease). */
  bytes: number;
  quota: number;
  /** Bytes the asking node counts besides (parts its upload sessions hold). */
  extraBytes: number;
  /** When the reservation stops counting unless set again (ISO). */
  expiresAt: string;
  /** ISO; reservations that expired by then are not counted, and are deleted. */
  now: string;
}

export interface ScanStore {
  createScan(imageId: string): Promise<ScanRecord>;
  updateScan(scanId: number, patch: ScanPatch): Promise<void>;
  /** The record without its facts snapshot (scanFacts reads that). */
  latestScan(imageId: string): Promise<ScanRecord | undefined>;
  scanFacts(scanId: number): Promise<string | undefined>;
  /**
   * Each image's latest scan when it is done and kept its facts, by scan id after `afterScanId`
   * (keyset paging), at most `limit`; only these images when `imageIds` is given.
   */
  judgeableScans(q: { afterScanId: number; limit: number; imageIds?: string[] }): Promise<JudgeableScan[]>;
  /**
   * Replaces scans' reports with their re-judgements and sets judgedAt, in one transaction; a scan
   * whose judgedAt is no longer `expectedJudgedAt` (another re-judgement got there first) is left
   * as it is. Answers, in order, whether each was written.
   */
  replaceJudgements(judgements: readonly Judgement[]): Promise<boolean[]>;
  /** The scan's pending mark is done: cleared if it is still `pendingMark` (not one written since). */
  clearPendingMark(scanId: number, pendingMark: string): Promise<void>;
  /** Scans left pending or running by a previous process (restarted at start-up). */
  unfinishedScans(): Promise<ScanRecord[]>;
  /** Each image's latest scan (as latestScan) in one read; images never scanned are absent. */
  latestScans(imageIds: string[]): Promise<Map<string, ScanRecord>>;
}

/** EC2's Allowed AMIs state: disabled, enforced, or only shown (ImageAllowed) in audit mode. */
export type AllowedImagesState = "disabled" | "enabled" | "audit-mode";

/** One ImageCriterion: every part given must match (an absent part matches any image). */
export interface ImageCriterion {
  /** amazon, aws-marketplace, aws-backup-vault, 12-digit account ids, or none. */
  imageProviders?: string[];
  marketplaceProductCodes?: string[];
  /** Names with * and ? wildcards. */
  imageNames?: string[];
  maximumDaysSinceCreated?: number;
  maximumDaysSinceDeprecated?: number;
}

export interface AllowedImagesSettings {
  state: AllowedImagesState;
  /** An image is allowed when it matches at least one criterion (the account's own always are). */
  criteria: ImageCriterion[];
  /**
   * amigate's own criterion, EC2 has none like it: besides matching the criteria, another account's
   * image must have a current verdict that passes (its latest scan done, its report passed).
   */
  requirePassingVerdict: boolean;
}

/** Per-account settings. */
export interface SettingsStore {
  blockPublicAccess(accountId: string): Promise<boolean>;
  setBlockPublicAccess(accountId: string, blocked: boolean, audit?: AuditRecord): Promise<void>;
  /** The account's Allowed AMIs settings (disabled, no criteria, until set). */
  allowedImagesSettings(accountId: string): Promise<AllowedImagesSettings>;
  /** Changes the parts given, leaving the others as they are. */
  updateAllowedImagesSettings(
    accountId: string,
    change: Partial<AllowedImagesSettings>,
    audit?: AuditRecord,
  ): Promise<void>;
}

/** A listing as stored: its image, owner, last change and publication. */
export interface StoredListing {
  imageId: string;
  ownerId: string;
  listing: Listing;
  updatedAt: string;
  /** The account that wrote it last. */
  updatedBy: string;
  /** Set while published (the image public); cleared when the image becomes private. */
  publishedAt?: string;
}

/** The public catalogue's listing search (each filter "contains", case-insensitive). */
export interface PublishedListingQuery {
  name?: string;
  os?: string;
  publisher?: string;
  ownerId?: string;
  afterImageId?: string;
  limit: number;
}

/** Listings, one per image version (deleted with their image). */
export interface ListingStore {
  /** Creates or replaces the image's listing; its publication is kept. */
  putListing(ownerId: string, listing: Listing, by: string, audit?: AuditRecord): Promise<StoredListing>;
  listing(imageId: string): Promise<StoredListing | undefined>;
  /** The owner's latest listing of the same product on an image created before `createdBefore`. */
  previousListing(
    ownerId: string,
    product: string,
    imageId: string,
    createdBefore: string,
  ): Promise<StoredListing | undefined>;
  /** Publishes (only while the image is public: false when it is not, or there is no listing) or unpublishes. */
  setListingPublished(imageId: string, published: boolean, audit?: AuditRecord): Promise<boolean>;
  deleteListing(imageId: string, audit?: AuditRecord): Promise<void>;
  /** Published listings of public images, by image id. */
  publishedListings(q: PublishedListingQuery): Promise<StoredListing[]>;
}

/** Attestation answers per image version (deleted with their image). */
export interface AttestationStore {
  attestations(imageId: string): Promise<Map<string, AttestationAnswer>>;
  /** Sets these items' answers, leaving the others as they are. */
  putAttestations(
    imageId: string,
    answers: ReadonlyArray<AttestationAnswer & { id: string }>,
    audit?: AuditRecord,
  ): Promise<void>;
}

/** What a listing says about its publisher beyond the account's alias. */
export interface PublisherStore {
  publisher(accountId: string): Promise<{ url: string } | undefined>;
  setPublisher(accountId: string, url: string, audit?: AuditRecord): Promise<void>;
}

/**
 * A console sign-in (server/console/): the browser holds a random token in a cookie, the store only
 * its SHA-256, so reading the database does not give live sessions.
 */
export interface ConsoleSession {
  tokenHash: string;
  accountId: string;
  /** The access key the visitor signed in with; deleting the key ends its sessions. */
  accessKeyId: string;
  /** The synchronizer token every console form carries. */
  csrfToken: string;
  createdAt: string;
  lastSeenAt: string;
  /** The absolute end, whatever the activity. */
  expiresAt: string;
}

/** Console sessions (one row per sign-in). */
export interface SessionStore {
  createSession(session: ConsoleSession, audit?: AuditRecord): Promise<void>;
  session(tokenHash: string): Promise<ConsoleSession | undefined>;
  touchSession(tokenHash: string, lastSeenAt: string): Promise<void>;
  deleteSession(tokenHash: string, audit?: AuditRecord): Promise<void>;
  /** Removes sessions whose absolute end is before `now`, or idle since before `idleBefore`. */
  deleteExpiredSessions(now: string, idleBefore: string): Promise<number>;
}

export interface AuditStore {
  /** An entry for a call whose change (if any) did not carry it: committed with the turn's others. */
  audit(entry: AuditEntry): Promise<void>;
  auditLog(limit: number): Promise<AuditEntry[]>;
}

/**
 * The whole catalogue: every piece over one database, so a change in one piece and the call's
 * audit entry (AuditRecord) commit in one transaction.
 */
export interface Store
  extends AccountStore,
    ImageStore,
    PermissionStore,
    TagStore,
    BlobRecordStore,
    ScanStore,
    SettingsStore,
    ListingStore,
    AttestationStore,
    PublisherStore,
    SessionStore,
    UploadSessionStore,
    AuditStore {
  queryImagesWithTags(q: ImageQuery, accountId: string): Promise<TaggedImages>;
  close(): Promise<void>;
}

/** Image bytes by SHA-256 digest: a local folder (blobs.ts) or an S3-compatible store (s3-blobs.ts). */
export interface BlobStore {
  /**
   * Streams into storage, hashing; refuses (and keeps nothing) when the digest differs from expected
   * or when `vet`, given the received bytes as a local file before they are stored, throws.
   */
  put(
    body: AsyncIterable<Uint8Array>,
    expectedSha256?: string,
    vet?: (file: string) => Promise<void>,
  ): Promise<{ sha256: string; size: number }>;
  /** A stream that errors if the bytes no longer match the recorded digest. */
  open(sha256: string): Promise<Readable>;
  /** A local path for the scanner, if the backend has one. */
  localPath(sha256: string): string | undefined;
  /** Where an object-store backend keeps the blob, for scans that read it by range. */
  remote?(sha256: string): S3Location | undefined;
  exists(sha256: string): Promise<boolean>;
  /** Upload sessions' parts, beside the blobs where every node reads them (upload-parts.ts). */
  readonly parts: UploadPartBytes;
}
