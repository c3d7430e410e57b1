import type { Image } from "../fs/image.js";
import type { FactStore } from "../inspect/context.js";
import { findPath } from "../inspect/windows/paths.js";
import { describeError } from "../io/errors.js";
import {
  type FixOperation,
  type FixOptions,
  type Notice,
  PlanContext,
  type PlannedChange,
} from "./operation.js";
import { operations as allOperations } from "./operations/index.js";

export interface Plan {
  /** Operations that ran their plan step, in order. */
  operations: string[];
  changes: PlannedChange[];
  notices: Notice[];
  os: "linux" | "windows" | "unknown";
}

export interface Selection {
  only?: readonly string[];
  skip?: readonly string[];
}

/** The operations a selection names: defaults, narrowed by --only, minus --skip; unknown ids are an error. */
export function selectOperations(
  selection: Selection,
  ops: readonly FixOperation[] = allOperations,
): FixOperation[] {
  const ids = new Set(ops.map((o) => o.id));
  for (const id of [...(selection.only ?? []), ...(selection.skip ?? [])])
    if (!ids.has(id)) throw new UnknownOperationError(id, [...ids]);
  const skip = new Set(selection.skip ?? []);
  const only = selection.only && selection.only.length > 0 ? new Set(selection.only) : undefined;
  return ops.filter((o) => !skip.has(o.id) && (only ? only.has(o.id) : o.defaultOn));
}

export class UnknownOperationError extends Error {
  override readonly name = "UnknownOperationError";
  constructor(
    readonly id: string,
    known: string[],
  ) {
    super(`unknown fix operation "${id}" (known: ${known.join(", ")})`);
  }
}

async function detectOs(image: Image): Promise<Plan["os"]> {
  if ((await image.exists("/etc/passwd")) || (await image.exists("/etc/os-release"))) return "linux";
  if (await findPath(image, "/Windows/System32").catch(() => undefined)) return "windows";
  return "unknown";
}

/**
 * Runs the plan step of each selected operation that applies to the root's OS, on the facts of the
 * scan session (facts.image is the root): the scan's options (--as-of, --db) hold for planning too.
 * What planning could not read becomes a notice: plan before the session's rules run, so that is
 * every unknown of the facts planning used. Nothing is written.
 */
export async function planFix(
  facts: FactStore,
  options: FixOptions,
  selected: readonly FixOperation[],
): Promise<Plan> {
  const image = facts.image;
  const os = await detectOs(image);
  const firstUnknown = facts.unknowns.length;
  const ctx = new PlanContext(image, facts, options);
  const ran: string[] = [];
  for (const op of selected) {
    if (op.appliesTo !== "any" && op.appliesTo !== os) continue;
    ctx.operation = op.id;
    try {
      await op.plan(ctx);
      ran.push(op.id);
    } catch (e) {
      ctx.notice("/", `planning failed: ${describeError(e)}`);
    }
  }
  for (const u of facts.unknowns.slice(firstUnknown))
    ctx.notices.push({ operation: u.source, path: u.path, message: `could not be read: ${u.error}` });
  return { operations: ran, changes: ctx.changes, notices: ctx.notices, os };
}
