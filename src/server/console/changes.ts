/**
 * Every change the console makes is an EC2 call through App.runAction, with the signed-in key as
 * the caller: the same owner checks, the same gate, the same quotas and the same audit entries as
 * `aws ec2 modify-image-attribute` (no second implementation of permissions).
 */
import type { Caller } from "../ec2/context.js";
import { Ec2Params } from "../ec2/query.js";

export type RunAction = (
  caller: Caller,
  params: Ec2Params,
  remoteAddress: string,
) => Promise<{ action: string; body: string | Buffer[] }>;

export type ConsoleChange =
  | { kind: "share"; accountId: string }
  | { kind: "unshare"; accountId: string }
  | { kind: "make-public" }
  | { kind: "make-private" }
  | { kind: "deregister" }
  | { kind: "deprecate"; deprecateAt: string }
  | { kind: "undeprecate" }
  | { kind: "disable" }
  | { kind: "enable" }
  | { kind: "protect"; withCooldown: boolean }
  | { kind: "unprotect" };

/** The EC2 call a change is. */
export function ec2CallOf(imageId: string, change: ConsoleChange): Record<string, string> {
  switch (change.kind) {
    case "share":
      return {
        Action: "ModifyImageAttribute",
        ImageId: imageId,
        "LaunchPermission.Add.1.UserId": change.accountId,
      };
    case "unshare":
      return {
        Action: "ModifyImageAttribute",
        ImageId: imageId,
        "LaunchPermission.Remove.1.UserId": change.accountId,
      };
    case "make-public":
      return { Action: "ModifyImageAttribute", ImageId: imageId, "LaunchPermission.Add.1.Group": "all" };
    case "make-private":
      return { Action: "ModifyImageAttribute", ImageId: imageId, "LaunchPermission.Remove.1.Group": "all" };
    case "deregister":
      return { Action: "DeregisterImage", ImageId: imageId };
    case "deprecate":
      return { Action: "EnableImageDeprecation", ImageId: imageId, DeprecateAt: change.deprecateAt };
    case "undeprecate":
      return { Action: "DisableImageDeprecation", ImageId: imageId };
    case "disable":
      return { Action: "DisableImage", ImageId: imageId };
    case "enable":
      return { Action: "EnableImage", ImageId: imageId };
    case "protect":
      return {
        Action: "EnableImageDeregistrationProtection",
        ImageId: imageId,
        WithCooldown: String(change.withCooldown),
      };
    case "unprotect":
      return { Action: "DisableImageDeregistrationProtection", ImageId: imageId };
  }
}

export async function applyChange(
  run: RunAction,
  caller: Caller,
  remoteAddress: string,
  imageId: string,
  change: ConsoleChange,
): Promise<void> {
  await run(caller, Ec2Params.of(ec2CallOf(imageId, change)), remoteAddress);
}

/** The form's change, or undefined for a form that names none. */
export function changeOf(form: URLSearchParams): ConsoleChange | undefined {
  const op = form.get("op");
  const accountId = (form.get("accountId") ?? "").trim();
  switch (op) {
    case "share":
      return { kind: "share", accountId };
    case "unshare":
      return { kind: "unshare", accountId };
    case "make-public":
    case "make-private":
    case "deregister":
    case "undeprecate":
    case "disable":
    case "enable":
    case "unprotect":
      return { kind: op };
    case "deprecate":
      return { kind: op, deprecateAt: deprecateAtOf(form.get("deprecateAt") ?? "") };
    case "protect":
      return { kind: op, withCooldown: form.get("withCooldown") === "true" };
    default:
      return undefined;
  }
}

/**
 * A date field ("2027-06-30") or a datetime-local one ("2027-06-30T12:00") is a UTC time, as the
 * page says; anything else goes to the API as typed, which refuses it with its own message.
 */
function deprecateAtOf(value: string): string {
  const v = value.trim();
  if (/^\d{4}-\d{2}-\d{2}$/.test(v)) return `${v}T00:00:00Z`;
  if (/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2})?$/.test(v)) return `${v}Z`;
  return v;
}
