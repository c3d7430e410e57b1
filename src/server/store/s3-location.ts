/**
 * Where blobs live in an S3-compatible object store, from `serve --blobs s3://bucket/prefix?…`.
 * AWS S3 needs only a region; MinIO, Ceph and other S3-compatible servers also an endpoint and
 * usually path-style addressing. Credentials come from the SDK's default chain (environment,
 * shared config files, instance or container role), never from the URL. No AWS SDK here: parsing
 * a flag must not load it (s3-blobs.ts does, only when S3 is used).
 */

export interface S3Location {
  bucket: string;
  /** Key prefix ("" or ending in "/"): blobs are <prefix>blobs/ab/<sha256>. */
  prefix: string;
  region: string;
  endpoint?: string;
  forcePathStyle: boolean;
}

export class BlobsUrlError extends Error {
  override readonly name = "BlobsUrlError";
  constructor(url: string, reason: string) {
    super(`--blobs ${url}: ${reason}`);
  }
}

const BUCKET = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;
const OPTIONS = new Set(["region", "endpoint", "path-style"]);

/** Parses s3://bucket[/prefix][?region=…&endpoint=http(s)://…&path-style=true|false]. */
export function parseS3Url(url: string): S3Location {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new BlobsUrlError(url, "not a URL (expected s3://bucket/prefix?region=…)");
  }
  if (u.protocol !== "s3:") throw new BlobsUrlError(url, "only s3:// URLs name an object store");
  if (u.username || u.password)
    throw new BlobsUrlError(url, "credentials never go in the URL (use the AWS environment or profile)");
  const bucket = u.hostname;
  if (!BUCKET.test(bucket)) throw new BlobsUrlError(url, `"${bucket}" is not a valid bucket name`);
  for (const key of u.searchParams.keys())
    if (!OPTIONS.has(key))
      throw new BlobsUrlError(url, `unknown option "${key}" (region, endpoint, path-style)`);
  const region = u.searchParams.get("region") ?? process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION;
  if (!region) throw new BlobsUrlError(url, "no region (add ?region=… or set AWS_REGION)");
  const endpoint = u.searchParams.get("endpoint") ?? undefined;
  if (endpoint !== undefined && !/^https?:\/\/[^/]+\/?$/.test(endpoint))
    throw new BlobsUrlError(url, "endpoint must be http(s)://host[:port]");
  const style = u.searchParams.get("path-style");
  if (style !== null && style !== "true" && style !== "false")
    throw new BlobsUrlError(url, "path-style is true or false");
  const path = decodeURIComponent(u.pathname.replace(/^\/+/, ""));
  const prefix = path === "" || path.endsWith("/") ? path : `${path}/`;
  return {
    bucket,
    prefix,
    region,
    ...(endpoint !== undefined ? { endpoint: endpoint.replace(/\/$/, "") } : {}),
    // S3-compatible servers on a custom endpoint rarely resolve bucket subdomains.
    forcePathStyle: style === null ? endpoint !== undefined : style === "true",
  };
}

export function blobKey(at: S3Location, sha256: string): string {
  return `${at.prefix}blobs/${sha256.slice(0, 2)}/${sha256}`;
}
