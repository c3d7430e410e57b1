import { compileWildcard, type Matcher } from "../../match/wildcard.js";
import type { Image, Tag } from "../store/types.js";
import { invalidParameterValue } from "./errors.js";
import type { Ec2Params } from "./query.js";

export interface Filter {
  name: string;
  values: string[];
}

/** Filter.N.Name / Filter.N.Value.M; a filter without a name is EC2's "The filter 'null' is invalid". */
export function parseFilters(params: Ec2Params): Filter[] {
  return params.structs("Filter").map((f) => {
    const name = f.get("Name");
    if (name === undefined || name === "") throw invalidParameterValue("The filter 'null' is invalid");
    return { name, values: f.list("Value") };
  });
}

const patternCache = new Map<string, Matcher>();

/**
 * EC2 filter values: `*` any run, `?` one character, backslash escapes them; case-sensitive.
 * Tenant input: matched without backtracking (src/match/wildcard.ts), a RegExp with one `.*` per
 * star took minutes on `**********x` and blocked every tenant.
 */
export function wildcard(pattern: string): Matcher {
  let m = patternCache.get(pattern);
  if (m) return m;
  m = compileWildcard(pattern, { escapes: true });
  if (patternCache.size > 1000) patternCache.clear();
  patternCache.set(pattern, m);
  return m;
}

type Getter = (image: Image, tags: readonly Tag[]) => Array<string | undefined>;

const str = (v: string | number | boolean | undefined) => (v === undefined ? undefined : String(v));

/** The DescribeImages filter names the botocore model documents and we hold data for. */
const IMAGE_FILTERS: Record<string, Getter> = {
  architecture: (i) => [i.architecture],
  "block-device-mapping.delete-on-termination": (i) =>
    i.blockDeviceMappings.map((m) => str(m.ebs?.deleteOnTermination)),
  "block-device-mapping.device-name": (i) => i.blockDeviceMappings.map((m) => m.deviceName),
  "block-device-mapping.snapshot-id": (i) => i.blockDeviceMappings.map((m) => m.ebs?.snapshotId),
  "block-device-mapping.volume-size": (i) => i.blockDeviceMappings.map((m) => str(m.ebs?.volumeSize)),
  "block-device-mapping.volume-type": (i) => i.blockDeviceMappings.map((m) => m.ebs?.volumeType),
  "block-device-mapping.encrypted": (i) => i.blockDeviceMappings.map((m) => str(m.ebs?.encrypted ?? false)),
  "creation-date": (i) => [i.creationDate],
  description: (i) => [i.description],
  "ena-support": (i) => [str(i.enaSupport)],
  hypervisor: () => ["xen"],
  "image-id": (i) => [i.imageId],
  "image-type": () => ["machine"],
  "is-public": (i) => [String(i.isPublic)],
  "kernel-id": (i) => [i.kernelId],
  "manifest-location": (i) => [i.imageLocation],
  name: (i) => [i.name],
  "owner-alias": (i) => [i.ownerAlias],
  "owner-id": (i) => [i.ownerId],
  platform: (i) => [i.platform],
  "product-code": () => [],
  "product-code.type": () => [],
  "ramdisk-id": (i) => [i.ramdiskId],
  "root-device-name": (i) => [i.rootDeviceName],
  "root-device-type": (i) => [i.rootDeviceType],
  "sriov-net-support": (i) => [i.sriovNetSupport],
  state: (i) => [i.state],
  "tag-key": (_i, tags) => tags.map((t) => t.key),
  "virtualization-type": (i) => [i.virtualizationType],
};

function getterFor(name: string): Getter {
  if (name.startsWith("tag:")) {
    const key = name.slice(4);
    return (_i, tags) => tags.filter((t) => t.key === key).map((t) => t.value);
  }
  const g = IMAGE_FILTERS[name];
  if (!g) throw invalidParameterValue(`The filter '${name}' is invalid`);
  return g;
}

/** Filters are ANDed, values within one filter ORed (model `Filter` doc). */
export function imageMatcher(filters: readonly Filter[]): (image: Image, tags: readonly Tag[]) => boolean {
  const compiled = filters.map((f) => ({ get: getterFor(f.name), patterns: f.values.map(wildcard) }));
  return (image, tags) =>
    compiled.every(({ get, patterns }) =>
      get(image, tags).some((v) => v !== undefined && patterns.some((p) => p.test(v))),
    );
}
