/** What bringing a database's schema up to date did (either store). */
export interface MigrationResult {
  /** The schema version now. */
  version: number;
  /** The versions this open applied (none when the schema was current). */
  applied: number[];
}

/** Schema versions, applied in order inside one transaction each; never edit a shipped entry. */
export const MIGRATIONS: readonly string[] = [
  `CREATE TABLE accounts (
     account_id TEXT PRIMARY KEY CHECK (length(account_id) = 12),
     alias TEXT UNIQUE,
     admin INTEGER NOT NULL DEFAULT 0,
     created_at TEXT NOT NULL);
   CREATE TABLE access_keys (
     access_key_id TEXT PRIMARY KEY,
     account_id TEXT NOT NULL REFERENCES accounts(account_id) ON DELETE CASCADE,
     secret_sealed BLOB NOT NULL,
     created_at TEXT NOT NULL);
   CREATE TABLE blobs (
     sha256 TEXT PRIMARY KEY,
     size INTEGER NOT NULL,
     uploaded_by TEXT NOT NULL REFERENCES accounts(account_id),
     uploaded_at TEXT NOT NULL);
   CREATE TABLE images (
     image_id TEXT PRIMARY KEY,
     owner_id TEXT NOT NULL REFERENCES accounts(account_id),
     name TEXT NOT NULL,
     is_public INTEGER NOT NULL DEFAULT 0,
     blob_sha256 TEXT REFERENCES blobs(sha256),
     doc TEXT NOT NULL);
   CREATE UNIQUE INDEX images_owner_name ON images(owner_id, name);
   CREATE INDEX images_public ON images(is_public) WHERE is_public = 1;
   CREATE TABLE launch_permissions (
     image_id TEXT NOT NULL REFERENCES images(image_id) ON DELETE CASCADE,
     kind TEXT NOT NULL CHECK (kind IN ('userId', 'group', 'organizationArn', 'organizationalUnitArn')),
     value TEXT NOT NULL,
     seq INTEGER NOT NULL,
     PRIMARY KEY (image_id, kind, value));
   CREATE INDEX launch_permissions_grantee ON launch_permissions(kind, value);
   -- Tags belong to the account that set them: a shared image's consumer sees only its own (EC2 UG).
   CREATE TABLE tags (
     account_id TEXT NOT NULL,
     resource_id TEXT NOT NULL,
     key TEXT NOT NULL,
     value TEXT NOT NULL,
     PRIMARY KEY (account_id, resource_id, key));
   CREATE INDEX tags_resource ON tags(resource_id);
   CREATE TABLE scans (
     scan_id INTEGER PRIMARY KEY AUTOINCREMENT,
     image_id TEXT NOT NULL REFERENCES images(image_id) ON DELETE CASCADE,
     status TEXT NOT NULL,
     started_at TEXT NOT NULL,
     finished_at TEXT,
     report TEXT,
     error TEXT);
   CREATE INDEX scans_image ON scans(image_id, scan_id);
   CREATE TABLE account_settings (
     account_id TEXT PRIMARY KEY REFERENCES accounts(account_id) ON DELETE CASCADE,
     block_public_access INTEGER NOT NULL DEFAULT 0);
   CREATE TABLE audit_log (
     id INTEGER PRIMARY KEY AUTOINCREMENT,
     at TEXT NOT NULL,
     account_id TEXT NOT NULL,
     access_key_id TEXT NOT NULL,
     action TEXT NOT NULL,
     resource TEXT,
     detail TEXT NOT NULL,
     source_ip TEXT NOT NULL,
     outcome TEXT NOT NULL);`,
  // 2: describe calls read image ids from covering indexes (owner's images in id order; grants by
  // grantee in id order) and take documents from the in-process cache (store/image-cache.ts).
  `CREATE INDEX images_owner_image ON images(owner_id, image_id, is_public);
   CREATE INDEX launch_permissions_grantee_image ON launch_permissions(kind, value, image_id);
   DROP INDEX launch_permissions_grantee;`,
  // 3: listings, attestation answers and publisher profiles (#16). A listing is public only while
  // its image is: the trigger unpublishes it in the transaction that makes the image private.
  `CREATE TABLE publishers (
     account_id TEXT PRIMARY KEY REFERENCES accounts(account_id) ON DELETE CASCADE,
     url TEXT NOT NULL,
     updated_at TEXT NOT NULL);
   CREATE TABLE listings (
     image_id TEXT PRIMARY KEY REFERENCES images(image_id) ON DELETE CASCADE,
     owner_id TEXT NOT NULL,
     product TEXT NOT NULL,
     doc TEXT NOT NULL,
     updated_at TEXT NOT NULL,
     updated_by TEXT NOT NULL,
     published_at TEXT);
   CREATE INDEX listings_product ON listings(owner_id, product);
   CREATE INDEX listings_published ON listings(image_id) WHERE published_at IS NOT NULL;
   CREATE TABLE attestations (
     image_id TEXT NOT NULL REFERENCES images(image_id) ON DELETE CASCADE,
     item_id TEXT NOT NULL,
     answer TEXT NOT NULL CHECK (answer IN ('yes', 'no', 'not-applicable')),
     comment TEXT,
     answered_by TEXT NOT NULL,
     answered_at TEXT NOT NULL,
     PRIMARY KEY (image_id, item_id));
   CREATE TRIGGER listings_unpublish AFTER UPDATE OF is_public ON images
     WHEN NEW.is_public = 0
     BEGIN UPDATE listings SET published_at = NULL WHERE image_id = NEW.image_id; END;`,
  // 4: web console sessions (server/console/): the token's SHA-256, never the token; a session goes
  // with its access key and account.
  `CREATE TABLE console_sessions (
     token_hash TEXT PRIMARY KEY,
     account_id TEXT NOT NULL REFERENCES accounts(account_id) ON DELETE CASCADE,
     access_key_id TEXT NOT NULL REFERENCES access_keys(access_key_id) ON DELETE CASCADE,
     csrf_token TEXT NOT NULL,
     created_at TEXT NOT NULL,
     last_seen_at TEXT NOT NULL,
     expires_at TEXT NOT NULL);
   CREATE INDEX console_sessions_expiry ON console_sessions(expires_at);`,
  // 5: the image lifecycle (#18). Deprecation and disabling decide what DescribeImages lists, so
  // they are columns beside the document, in the owner's covering index; a deregistered image
  // leaves images (and its grants, tags, listing, scans) but keeps a record, which DescribeImages
  // lists for a while and which makes a second DeregisterImage InvalidAMIID.Unavailable.
  `ALTER TABLE images ADD COLUMN deprecation_time TEXT;
   ALTER TABLE images ADD COLUMN disabled INTEGER NOT NULL DEFAULT 0;
   CREATE INDEX images_owner_listing ON images(owner_id, image_id, is_public, disabled, deprecation_time);
   DROP INDEX images_owner_image;
   CREATE TABLE deregistered_images (
     image_id TEXT PRIMARY KEY,
     owner_id TEXT NOT NULL,
     deregistered_at TEXT NOT NULL,
     shared_with TEXT NOT NULL,
     doc TEXT NOT NULL);
   CREATE INDEX deregistered_images_at ON deregistered_images(deregistered_at);`,
  // 6: verdicts that stay current (#17): each scan keeps its facts snapshot (gzip'd JSON of
  // scan/snapshot.ts) so end of life and vulnerabilities can be judged again without the blob, and
  // when a re-judgement last changed its report.
  `ALTER TABLE scans ADD COLUMN facts BLOB;
   ALTER TABLE scans ADD COLUMN judged_at TEXT;`,
  // 7: consumers (#18). An account's organization and OU path (ids, root first, joined by "/"),
  // which organization and OU launch permissions reach; its Allowed AMIs settings, with
  // amigate's own criterion (a passing verdict) beside EC2's.
  `ALTER TABLE accounts ADD COLUMN organization_id TEXT;
   ALTER TABLE accounts ADD COLUMN ou_path TEXT;
   CREATE TABLE allowed_images_settings (
     account_id TEXT PRIMARY KEY REFERENCES accounts(account_id) ON DELETE CASCADE,
     state TEXT NOT NULL DEFAULT 'disabled' CHECK (state IN ('disabled', 'enabled', 'audit-mode')),
     criteria TEXT NOT NULL DEFAULT '[]',
     require_passing_verdict INTEGER NOT NULL DEFAULT 0);`,
  // 8: uploads in flight (#17): the bytes each upload has reserved against its account's
  // --account-quota, in the database every API node shares, each with a lease (a node that dies
  // mid-upload leaves a row that stops counting when its lease runs out).
  `CREATE TABLE upload_reservations (
     reservation_id TEXT PRIMARY KEY,
     account_id TEXT NOT NULL REFERENCES accounts(account_id) ON DELETE CASCADE,
     bytes INTEGER NOT NULL,
     expires_at TEXT NOT NULL);
   CREATE INDEX upload_reservations_account ON upload_reservations(account_id, expires_at);`,
  // 9: every account that uploaded a blob (blobs.uploaded_by keeps the first): identical bytes
  // pushed by a second account are its blob too, to register and to count against its quota.
  `CREATE TABLE blob_uploaders (
     sha256 TEXT NOT NULL REFERENCES blobs(sha256),
     account_id TEXT NOT NULL REFERENCES accounts(account_id) ON DELETE CASCADE,
     uploaded_at TEXT NOT NULL,
     PRIMARY KEY (sha256, account_id));
   CREATE INDEX blob_uploaders_account ON blob_uploaders(account_id, sha256);
   INSERT INTO blob_uploaders SELECT sha256, uploaded_by, uploaded_at FROM blobs;`,
  // 10: upload sessions in the database every node shares (store/upload-session-store.ts), their
  // parts' bytes in the blob store under uploads/: any node takes any part. One node assembles a
  // session at a time, under a lease (assembler, assembly_until).
  `CREATE TABLE upload_sessions (
     upload_id TEXT PRIMARY KEY,
     account_id TEXT NOT NULL REFERENCES accounts(account_id) ON DELETE CASCADE,
     size INTEGER NOT NULL,
     sha256 TEXT NOT NULL,
     part_size INTEGER NOT NULL,
     created_at TEXT NOT NULL,
     touched_at TEXT NOT NULL,
     result TEXT,
     assembler TEXT,
     assembly_until TEXT);
   CREATE INDEX upload_sessions_account ON upload_sessions(account_id);
   CREATE INDEX upload_sessions_touched ON upload_sessions(touched_at);
   CREATE TABLE upload_parts (
     upload_id TEXT NOT NULL REFERENCES upload_sessions(upload_id) ON DELETE CASCADE,
     part_number INTEGER NOT NULL,
     size INTEGER NOT NULL,
     sha256 TEXT NOT NULL,
     PRIMARY KEY (upload_id, part_number));`,
  // 11: a re-judgement's mark (tag, audit entry, public grant) written with its report and
  // cleared once carried out, so a process killed between the two leaves it to the next run.
  `ALTER TABLE scans ADD COLUMN pending_mark TEXT;`,
];
