/**
 * The architecture clauses judged from the registered attributes (ARC-1..5): one check per clause.
 * The gate (server/gate.ts) refuses public shares on their findings; reports in the catalogue show
 * them judged, and a report without a registration says so.
 */
import { defineRegistrationCheck } from "../check.js";

const SUPPORTED_ARCHITECTURES = ["x86_64", "arm64"];

export const sourceRegion = defineRegistrationCheck({
  id: "meta-source-region",
  clauses: ["ARC-1"],
  severity: "high",
  title: "The source AMI is not in US East (N. Virginia)",
  requirement: "The source AMI is in US East (N. Virginia), us-east-1.",
  description: "Marketplace takes source AMIs from us-east-1 only.",
  remediation: "Register (or copy) the image in us-east-1 and submit that AMI.",
  messages: { region: "region is {{region}}, not us-east-1" },
  check: (r) => (r.region === "us-east-1" ? [] : [{ messageId: "region", data: { region: r.region } }]),
});

export const hvm = defineRegistrationCheck({
  id: "meta-hvm",
  clauses: ["ARC-2"],
  severity: "high",
  title: "The image is not registered for HVM virtualization",
  requirement: "The registered virtualization type is hvm.",
  description: "Marketplace AMIs use HVM virtualization; paravirtual images are refused.",
  remediation: "Register the image again with --virtualization-type hvm (a whole-disk image boots as HVM).",
  messages: { virtualization: "virtualization type is {{type}}" },
  check: (r) =>
    r.virtualizationType === "hvm"
      ? []
      : [{ messageId: "virtualization", data: { type: r.virtualizationType } }],
});

export const architecture = defineRegistrationCheck({
  id: "meta-architecture",
  clauses: ["ARC-3"],
  severity: "high",
  title: "The registered architecture is not 64-bit x86 or 64-bit ARM",
  requirement: "The registered architecture is x86_64 or arm64.",
  description: "Marketplace AMIs are 64-bit x86 or 64-bit ARM.",
  remediation: "Build the image for x86_64 or arm64 and register it with that architecture.",
  messages: { architecture: "architecture is {{architecture}}" },
  check: (r) =>
    SUPPORTED_ARCHITECTURES.includes(r.architecture)
      ? []
      : [{ messageId: "architecture", data: { architecture: r.architecture } }],
});

export const ebsBacked = defineRegistrationCheck({
  id: "meta-ebs-backed",
  clauses: ["ARC-4"],
  severity: "high",
  title: "The image is not EBS-backed",
  requirement: "The root device type is ebs, not instance-store.",
  description: "Marketplace AMIs are backed by Amazon EBS; instance-store (S3) images are refused.",
  remediation: "Register the image with an EBS root device.",
  messages: { rootDevice: "root device type is {{type}}" },
  check: (r) =>
    r.rootDeviceType === "ebs" ? [] : [{ messageId: "rootDevice", data: { type: r.rootDeviceType } }],
});

export const unencryptedSnapshots = defineRegistrationCheck({
  id: "meta-unencrypted-snapshots",
  clauses: ["ARC-5"],
  severity: "high",
  title: "A block device mapping is encrypted",
  requirement: "No block device mapping has Encrypted=true.",
  description: "Marketplace AMIs must not use encrypted EBS snapshots.",
  remediation: "Register the image from unencrypted snapshots (buyers encrypt their own volumes at launch).",
  messages: { encrypted: "a block device mapping is encrypted ({{device}})" },
  check: (r) =>
    r.blockDeviceMappings
      .filter((m) => m.ebs?.encrypted === true)
      .map((m) => ({ messageId: "encrypted" as const, data: { device: m.deviceName ?? "no device name" } })),
});
