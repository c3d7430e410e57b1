import assert from "node:assert/strict";
import { test } from "node:test";
import { blobKey, parseS3Url } from "./s3-location.js";

test("s3:// URLs: bucket, prefix, region, endpoint, path-style", () => {
  assert.deepEqual(parseS3Url("s3://amigate-images?region=eu-west-1"), {
    bucket: "amigate-images",
    prefix: "",
    region: "eu-west-1",
    forcePathStyle: false,
  });
  assert.deepEqual(parseS3Url("s3://images.example/prod/eu?region=eu-west-1&endpoint=http://minio:9000"), {
    bucket: "images.example",
    prefix: "prod/eu/",
    region: "eu-west-1",
    endpoint: "http://minio:9000",
    forcePathStyle: true,
  });
  assert.equal(
    parseS3Url("s3://b12/?region=x&endpoint=https://s3.local&path-style=false").forcePathStyle,
    false,
  );
  const at = parseS3Url("s3://b12/p?region=x");
  assert.equal(blobKey(at, "ab".repeat(32)), `p/blobs/ab/${"ab".repeat(32)}`);
});

test("a bad --blobs URL is one line naming what is wrong", () => {
  const cases: Array<[string, RegExp]> = [
    ["/srv/blobs", /not a URL/],
    ["https://bucket/x?region=a", /only s3:\/\//],
    ["s3://Bad_Bucket?region=a", /not a valid bucket name/],
    ["s3://key:secret@bucket1?region=a", /credentials never go in the URL/],
    ["s3://bucket1?region=a&acl=public", /unknown option "acl"/],
    ["s3://bucket1?region=a&endpoint=minio:9000", /endpoint must be/],
    ["s3://bucket1?region=a&path-style=yes", /path-style is true or false/],
  ];
  for (const [url, why] of cases) assert.throws(() => parseS3Url(url), why, url);
  const saved = [process.env.AWS_REGION, process.env.AWS_DEFAULT_REGION];
  delete process.env.AWS_REGION;
  delete process.env.AWS_DEFAULT_REGION;
  try {
    assert.throws(() => parseS3Url("s3://bucket1"), /no region/);
  } finally {
    if (saved[0] !== undefined) process.env.AWS_REGION = saved[0];
    if (saved[1] !== undefined) process.env.AWS_DEFAULT_REGION = saved[1];
  }
});
