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
  | { kind: "deregister" };

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
      return { kind: op };
    default:
      return undefined;
  }
}
