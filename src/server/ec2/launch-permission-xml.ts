import type { LaunchPermission } from "../store/types.js";
import { el } from "./xml.js";

export function launchPermissionXml(p: LaunchPermission): string {
  if ("userId" in p) return el("userId", p.userId);
  if ("group" in p) return el("group", p.group);
  if ("organizationArn" in p) return el("organizationArn", p.organizationArn);
  return el("organizationalUnitArn", p.organizationalUnitArn);
}
