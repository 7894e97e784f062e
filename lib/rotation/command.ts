import { checkOrders, type CheckResult } from "./checker";
import type { GroupPlan, Mode, ScheduleName, UpdatePlan } from "./model";
import { planUpdate } from "./planner";
import { parseTopology } from "./validate";

/** Arguments of `rootline plan` as commander hands them over. */
export interface PlanCommandArgs {
  topology: string;
  mode?: string;
  schedule?: string;
  mergeClientSteps?: boolean;
  /** Path of an order file to check instead of printing the plan. */
  check?: string;
}

export interface CommandOutput {
  stdout: string;
  stderr: string;
  /** 0: plan printed or order authenticates; 1: order breaks a link; 2: bad input. */
  exitCode: 0 | 1 | 2;
}

const MODES: readonly Mode[] = ["stepwise", "bundled"];
const SCHEDULES: readonly ScheduleName[] = ["minimal", "phased", "linear"];

/** The `plan` output format of the CLI contract (one entry per root key group). */
export function planToJson(plan: UpdatePlan): unknown {
  return {
    groups: plan.groups.map((g: GroupPlan) => ({
      group: g.group,
      mode: g.mode,
      schedule: g.schedule,
      tasks: g.tasks.map((t) => ({
        id: t.id,
        kind: t.kind,
        node: t.node,
        after: t.after,
        preferredAfter: t.preferredAfter,
        route: t.route,
      })),
      order: g.order,
      // Only with --merge-client-steps: which tasks travel in one request (2′).
      ...(g.mergeClientSteps ? { requests: g.requests } : {}),
    })),
  };
}

/** The CLI's verdict JSON for a check. */
export function checkToJson(result: Exclude<CheckResult, { kind: "invalid-order" }>, withGroup: boolean): unknown {
  if (result.kind === "ok") return { ok: true };
  return {
    ok: false,
    ...(withGroup ? { group: result.group } : {}),
    step: result.step,
    task: result.task,
    link: result.link && { client: result.link.client, server: result.link.server },
    reason: result.reason,
  };
}

function describe(detail: unknown): string {
  if (typeof detail === "string") return detail;
  const { path, message } = detail as { path?: string; message?: string };
  return path ? `${path}: ${message}` : String(message);
}

function fail(error: string, details: unknown[]): CommandOutput {
  const detailText = details.map(describe).join("\n  ");
  return {
    stdout: JSON.stringify({ error, details }, null, 2),
    stderr: `rootline plan: ${error}${details.length > 0 ? `\n  ${detailText}` : ""}`,
    exitCode: 2,
  };
}

function readJson(path: string, what: string, readText: (path: string) => string): { ok: true; value: unknown } | { ok: false; out: CommandOutput } {
  let text: string;
  try {
    text = readText(path);
  } catch (e) {
    return { ok: false, out: fail(`cannot read ${what} file ${path}`, [(e as Error).message]) };
  }
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch (e) {
    return { ok: false, out: fail(`${what} file ${path} is not valid JSON`, [(e as Error).message]) };
  }
}

/**
 * `rootline plan TOPOLOGY.json [--mode stepwise|bundled] [--schedule minimal|phased|linear]
 * [--merge-client-steps] [--check ORDER.json]` as a pure function of its arguments.
 * ORDER.json: a flat array of task ids when the topology has one group, otherwise (or always)
 * an object {"group": [task ids]}; with the object form the verdict also names the group.
 * `readText` is injected so this module stays free of Node APIs (the web UI imports the package).
 */
export function runPlanCommand(args: PlanCommandArgs, readText: (path: string) => string): CommandOutput {
  const mode = (args.mode ?? "stepwise") as Mode;
  const schedule = (args.schedule ?? "minimal") as ScheduleName;
  const bad: string[] = [];
  if (!MODES.includes(mode)) bad.push(`--mode must be one of ${MODES.join(", ")} (got "${args.mode}")`);
  if (!SCHEDULES.includes(schedule)) bad.push(`--schedule must be one of ${SCHEDULES.join(", ")} (got "${args.schedule}")`);
  if (args.mergeClientSteps && mode !== "stepwise") bad.push("--merge-client-steps applies to stepwise mode only (bundled mode already sends one request per node)");
  if (bad.length > 0) return fail("invalid options", bad);

  const input = readJson(args.topology, "topology", readText);
  if (!input.ok) return input.out;
  const parsed = parseTopology(input.value);
  if (!parsed.ok) return fail(`invalid topology ${args.topology}`, parsed.errors);
  const planned = planUpdate(parsed.topology, { mode, schedule, mergeClientSteps: args.mergeClientSteps ?? false });
  if (!planned.ok) return fail(`cannot plan the update in ${mode} mode`, planned.errors);

  if (args.check === undefined) {
    return { stdout: JSON.stringify(planToJson(planned.plan), null, 2), stderr: "", exitCode: 0 };
  }
  const order = readJson(args.check, "order", readText);
  if (!order.ok) return order.out;
  const result = checkOrders(parsed.topology, planned.plan, order.value);
  if (result.kind === "invalid-order") return fail(`invalid order ${args.check}`, result.errors);
  const withGroup = !Array.isArray(order.value);
  const stdout = JSON.stringify(checkToJson(result, withGroup));
  if (result.kind === "ok") return { stdout, stderr: "", exitCode: 0 };
  return { stdout, stderr: `rootline plan: step ${result.step} (${result.task}) fails: ${result.reason}`, exitCode: 1 };
}
