import type { BlockDeviceMapping, Image, Tag } from "../store/types.js";
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
 * Rendered items by document, as UTF-8 bytes split around the tag set: the store hands out the
 * same frozen document until the image changes, so a describe call copies bytes and encodes only
 * the caller's tags (tags belong to the account that set them).
 */
const rendered = new WeakMap<Image, [Buffer, Buffer]>();
const TAGS = "<!--tags-->";
const ITEM_OPEN = Buffer.from("<item>");
const ITEM_CLOSE = Buffer.from("</item>");

function tagSetXml(tags: readonly Tag[] | undefined): string {
  return tags && tags.length > 0
    ? set(
        "tagSet",
        tags.map((t) => el("key", t.key) + el("value", t.value)),
      )
    : "";
}

function pieces(image: Image): [Buffer, Buffer] {
  let p = rendered.get(image);
  if (p === undefined) {
    const body = render(image);
    const at = body.indexOf(TAGS);
    p = [Buffer.from(body.slice(0, at)), Buffer.from(body.slice(at + TAGS.length))];
    rendered.set(image, p);
  }
  return p;
}

/** <imagesSet> with one <item> per image (member names from the botocore model's Image shape), as bytes. */
export function imagesSetXml(images: readonly Image[], tags: ReadonlyMap<string, Tag[]>): Buffer {
  if (images.length === 0) return Buffer.from("<imagesSet/>");
  const parts: Buffer[] = [Buffer.from("<imagesSet>")];
  for (const image of images) {
    const [head, tail] = pieces(image);
    const t = tags.get(image.imageId);
    parts.push(ITEM_OPEN, head);
    if (t !== undefined) parts.push(Buffer.from(tagSetXml(t)));
    parts.push(tail, ITEM_CLOSE);
  }
  parts.push(Buffer.from("</imagesSet>"));
  return Buffer.concat(parts);
}

function render(image: Image): string {
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
    el("lastLaunchedTime", image.lastLaunchedTime) +
    el("deregistrationProtection", "disabled")
  );
}
