import type { BlockDeviceMapping, Image, Tag } from "../store/types.js";
import { protectionOf } from "./protection.js";
import { el, set, wrap } from "./xml.js";

export function blockDeviceXml(m: BlockDeviceMapping): string {
  const ebs = m.ebs
    ? wrap(
        "ebs",
        el("deleteOnTermination", m.ebs.deleteOnTermination) +
          el("iops", m.ebs.iops) +
          el("snapshotId", m.ebs.snapshotId) +
          el("volumeSize", m.ebs.volumeSize) +
          el("volumeType", m.ebs.volumeType) +
          el("kmsKeyId", m.ebs.kmsKeyId) +
          el("throughput", m.ebs.throughput) +
          el("encrypted", m.ebs.encrypted),
      )
    : "";
  return el("deviceName", m.deviceName) + el("virtualName", m.virtualName) + ebs + el("noDevice", m.noDevice);
}

/**
 * Rendered items by document, as UTF-8 bytes: the whole <item> for an image without tags, and the
 * two halves around the tag set (tags belong to the account that set them, so they vary by
 * caller). The store hands out the same frozen document until the image changes.
 */
interface Rendered {
  item: Buffer;
  head: Buffer;
  tail: Buffer;
}
const rendered = new WeakMap<Image, Rendered>();
const TAGS = "<!--tags-->";

function tagSetXml(tags: readonly Tag[]): string {
  return set(
    "tagSet",
    tags.map((t) => el("key", t.key) + el("value", t.value)),
  );
}

/**
 * A document's rendering is kept while it holds: only a deregistration protection cooldown that has
 * run out since (its "disabled-until" is now "disabled") makes it be rendered again.
 */
function renderedOf(image: Image, now: Date): Rendered {
  const until = image.deregistrationProtectedUntil;
  const lapsed = until !== undefined && until <= now.toISOString();
  let r = lapsed ? undefined : rendered.get(image);
  if (r === undefined) {
    const body = render(image, now);
    const at = body.indexOf(TAGS);
    const item = Buffer.from(`<item>${body.slice(0, at)}${body.slice(at + TAGS.length)}</item>`);
    r = {
      item,
      head: Buffer.from(`<item>${body.slice(0, at)}`),
      tail: Buffer.from(`${body.slice(at + TAGS.length)}</item>`),
    };
    if (!lapsed) rendered.set(image, r);
  }
  return r;
}

/**
 * <imagesSet> with one <item> per image (member names from the botocore model's Image shape), as
 * byte pieces the response joins once.
 */
const EMPTY_SET = Buffer.from("<imagesSet/>");
const SET_OPEN = Buffer.from("<imagesSet>");
const SET_CLOSE = Buffer.from("</imagesSet>");

const ITEM_CLOSE = "</item>".length;
const ALLOWED = Buffer.from("<imageAllowed>true</imageAllowed></item>");
const NOT_ALLOWED = Buffer.from("<imageAllowed>false</imageAllowed></item>");

/**
 * `allowed`, while the caller's Allowed AMIs are enabled or in audit mode: each item's
 * imageAllowed, which varies by caller like the tags, so it is added after the kept rendering.
 */
export function imagesSetXml(
  images: readonly Image[],
  tags: ReadonlyMap<string, Tag[]>,
  now: Date,
  allowed?: ReadonlyMap<string, boolean>,
): Buffer[] {
  if (images.length === 0) return [EMPTY_SET];
  const parts: Buffer[] = [SET_OPEN];
  for (const image of images) {
    const r = renderedOf(image, now);
    const t = tags.get(image.imageId);
    const last = t === undefined || t.length === 0 ? r.item : r.tail;
    if (last === r.tail) parts.push(r.head, Buffer.from(tagSetXml(t!)));
    if (allowed === undefined) parts.push(last);
    else
      parts.push(
        last.subarray(0, last.length - ITEM_CLOSE),
        allowed.get(image.imageId) === true ? ALLOWED : NOT_ALLOWED,
      );
  }
  parts.push(SET_CLOSE);
  return parts;
}

function render(image: Image, now: Date): string {
  return (
    el("imageId", image.imageId) +
    el("imageLocation", image.imageLocation) +
    el("imageState", image.state) +
    el("imageOwnerId", image.ownerId) +
    el("creationDate", image.creationDate) +
    el("isPublic", image.isPublic) +
    el("architecture", image.architecture) +
    el("imageType", "machine") +
    el("kernelId", image.kernelId) +
    el("ramdiskId", image.ramdiskId) +
    el("imageOwnerAlias", image.ownerAlias) +
    el("platform", image.platform) +
    el("platformDetails", image.platformDetails) +
    el("usageOperation", image.platform === "windows" ? "RunInstances:0002" : "RunInstances") +
    wrap("productCodes", "") +
    el("name", image.name) +
    el("description", image.description) +
    el("rootDeviceType", image.rootDeviceType) +
    el("rootDeviceName", image.rootDeviceName) +
    set("blockDeviceMapping", image.blockDeviceMappings.map(blockDeviceXml)) +
    el("virtualizationType", image.virtualizationType) +
    TAGS +
    el("hypervisor", "xen") +
    el("enaSupport", image.enaSupport) +
    el("sriovNetSupport", image.sriovNetSupport) +
    el("bootMode", image.bootMode) +
    el("tpmSupport", image.tpmSupport) +
    el("imdsSupport", image.imdsSupport) +
    el("deprecationTime", image.deprecationTime) +
    el("lastLaunchedTime", image.lastLaunchedTime) +
    el("deregistrationProtection", protectionOf(image, now)) +
    el("sourceImageId", image.sourceImageId) +
    el("sourceImageRegion", image.sourceImageRegion)
  );
}
