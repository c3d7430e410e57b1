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

/** Rendered items by document: the store hands out the same parsed image for the same row. */
const rendered = new WeakMap<Image, string>();

/** One DescribeImages item; member names from the botocore model's Image shape. */
export function imageXml(image: Image, tags: readonly Tag[] | undefined): string {
  const tagXml =
    tags && tags.length > 0
      ? set(
          "tagSet",
          tags.map((t) => el("key", t.key) + el("value", t.value)),
        )
      : "";
  let body = rendered.get(image);
  if (body === undefined) {
    body = render(image);
    rendered.set(image, body);
  }
  return body.replace("<!--tags-->", tagXml);
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
    "<!--tags-->" +
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
