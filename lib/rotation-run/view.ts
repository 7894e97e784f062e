/**
 * What the web pages show of rotation runs (docs/ROTATION_RUNS.md): plain reads, no writes.
 * Dates travel as ISO strings so the same objects serve a server component's props and the
 * run page's polling route (JSON) unchanged.
 */
import { db } from "../db";
import { NotFoundError } from "../errors";
import { parseCertificateDer } from "../pki/certificate";
import { sha256Hex } from "../pki/fingerprint";
import type { GroupPlan } from "../rotation";
import type { TopologyDocument } from "../topologies/document";
import type { RunState, TaskState } from "./engine";
import { NodeStatus, type HandshakeRecord, type StoreSummary } from "./protocol";

const iso = (d: Date | null | undefined): string | null => (d ? d.toISOString() : null);

// ---------------------------------------------------------------- topology page

export interface RunListItem {
  id: string;
  group: string;
  mode: string;
  schedule: string;
  state: RunState;
  createdBy: string;
  createdAt: string;
  finishedAt: string | null;
  failedAt: string | null;
  tasks: number;
  succeeded: number;
}

export interface GroupBinding {
  group: string;
  issuer: { id: string; name: string } | null;
  /** Nodes of the group with a key and certificate from `rootline topology provision`. */
  provisioned: number;
  nodes: number;
  /** The group's unfinished (running or failed) run, if any. */
  activeRunId: string | null;
}

export interface TopologyRotation {
  groups: GroupBinding[];
  runs: RunListItem[];
  /** Names of the issuers a group can be bound to. */
  issuers: string[];
}

/** Root key groups in order of first appearance, and the nodes that take part in each. */
function groupNodes(doc: TopologyDocument): Map<string, Set<string>> {
  const out = new Map<string, Set<string>>();
  for (const l of doc.links) {
    const s = out.get(l.group) ?? new Set<string>();
    s.add(l.client).add(l.server);
    out.set(l.group, s);
  }
  return out;
}

/** The "Rotation" section of a topology: per group its issuer and provisioning, and the runs, newest first. */
export async function topologyRotation(topologyId: string, doc: TopologyDocument): Promise<TopologyRotation> {
  const [bindings, registered, runs, allIssuers] = await Promise.all([
    db().topologyBinding.findMany({ where: { topologyId } }),
    // A provisioned node has its key registered (a client only on one-way links gets no certificate).
    db().topologyNode.findMany({ where: { topologyId }, select: { nodeId: true } }),
    db().rotationRun.findMany({
      where: { topologyId },
      orderBy: { createdAt: "desc" },
      take: 100,
      select: { id: true, group: true, mode: true, schedule: true, state: true, createdBy: true, createdAt: true, finishedAt: true, failedAt: true },
    }),
    db().issuer.findMany({ orderBy: { name: "asc" }, select: { name: true } }),
  ]);
  const issuers = await db().issuer.findMany({ where: { id: { in: bindings.map((b) => b.issuerId) } }, select: { id: true, name: true } });
  const issuerById = new Map(issuers.map((i) => [i.id, i]));
  const counts = runs.length
    ? await db().rotationTask.groupBy({ by: ["runId", "state"], where: { runId: { in: runs.map((r) => r.id) } }, _count: { _all: true } })
    : [];
  const total = new Map<string, number>();
  const done = new Map<string, number>();
  for (const c of counts) {
    total.set(c.runId, (total.get(c.runId) ?? 0) + c._count._all);
    if (c.state === "succeeded") done.set(c.runId, (done.get(c.runId) ?? 0) + c._count._all);
  }
  const groups = [...groupNodes(doc)].map(([group, nodes]): GroupBinding => {
    const b = bindings.find((x) => x.group === group);
    const active = runs.find((r) => r.group === group && r.state !== "succeeded");
    return {
      group,
      issuer: b ? (issuerById.get(b.issuerId) ?? null) : null,
      provisioned: registered.filter((r) => nodes.has(r.nodeId)).length,
      nodes: nodes.size,
      activeRunId: active?.id ?? null,
    };
  });
  return {
    groups,
    issuers: allIssuers.map((i) => i.name),
    runs: runs.map((r) => ({
      ...r,
      state: r.state as RunState,
      createdAt: r.createdAt.toISOString(),
      finishedAt: iso(r.finishedAt),
      failedAt: iso(r.failedAt),
      tasks: total.get(r.id) ?? 0,
      succeeded: done.get(r.id) ?? 0,
    })),
  };
}

// ---------------------------------------------------------------- run page

/** What does not change while a run goes on: shown once, not polled. */
export interface RunDetail {
  id: string;
  topologyId: string;
  topologyName: string | null;
  group: string;
  mode: string;
  schedule: string;
  maxFailures: number;
  taskTimeoutS: number;
  issuer: { id: string; name: string } | null;
  oldSubject: string;
  newSubject: string;
  createdBy: string;
  createdAt: string;
  plan: GroupPlan;
  /** The order the run follows: the test-only fixed order when one was given, else the plan's. */
  order: string[];
  unsafeOrder: boolean;
}

export interface TaskView {
  id: string;
  node: string | null;
  kind: string;
  state: TaskState;
  attempts: number;
  consecutiveFailures: number;
  lastError: string | null;
  route: string[];
  sentAt: string | null;
  pickedUpAt: string | null;
  deliveredAt: string | null;
  completedAt: string | null;
}

export interface NodeView {
  node: string;
  /** When its agent's latest status arrived; null: no agent has reported yet. */
  reportedAt: string | null;
  /** Its store in the run's group, as the agent reported it. */
  store: StoreSummary | null;
  /** Envelopes waiting in its agent for a counterpart's next connection. */
  pending: number | null;
  /** Its last report is older than SILENT_MS: the agent may be down. */
  silent: boolean;
}

export type Health = "ok" | "fallback" | "failed" | "unknown";

export interface LinkEnd {
  node: string;
  role: "client" | "server";
  result: HandshakeRecord["result"];
  at: string;
  reason?: string;
}

export interface LinkView {
  client: string;
  server: string;
  auth: string;
  health: Health;
  /** Why: the reason of the end that decided the health, or what is missing. */
  reason: string | null;
  /** The last handshake each end reported for this link. */
  clientEnd: LinkEnd | null;
  serverEnd: LinkEnd | null;
  /** The newest handshake either end reported, for "x s ago". */
  lastAt: string | null;
  /** Neither end has reported a handshake for SILENT_MS: an agent may be down (the health is then an old one). */
  silent: boolean;
}

export interface RunLive {
  id: string;
  state: RunState;
  failure: string | null;
  finishedAt: string | null;
  failedAt: string | null;
  counts: Record<TaskState, number> & { total: number };
  tasks: TaskView[];
  nodes: NodeView[];
  links: LinkView[];
  /** Server time of this view (ms), so a client keeps the newest of overlapping answers. */
  at: number;
}

async function runRow(runId: string, topologyId?: string) {
  const run = await db().rotationRun.findUnique({
    where: { id: runId },
    select: { id: true, topologyId: true, group: true, mode: true, schedule: true, state: true, maxFailures: true, taskTimeoutS: true, issuerId: true, plan: true, unsafeOrder: true, oldSubject: true, newSubject: true, createdBy: true, createdAt: true, finishedAt: true, failedAt: true, failure: true },
  });
  // A run id under another topology's URL is not found, rather than shown under the wrong name.
  if (!run || (topologyId !== undefined && run.topologyId !== topologyId)) throw new NotFoundError("run", `no rotation run with id "${runId}"`);
  return run;
}

export async function runDetail(runId: string, topologyId?: string): Promise<RunDetail> {
  const run = await runRow(runId, topologyId);
  const [topology, issuer] = await Promise.all([
    db().topology.findUnique({ where: { id: run.topologyId }, select: { name: true } }),
    db().issuer.findUnique({ where: { id: run.issuerId }, select: { id: true, name: true } }),
  ]);
  const plan = JSON.parse(run.plan) as GroupPlan;
  const fixed = run.unsafeOrder ? (JSON.parse(run.unsafeOrder) as string[]) : null;
  // The CA's own task runs first in either order (the fixed order lists node tasks only).
  const order = fixed ? [...plan.order.filter((id) => !fixed.includes(id) && plan.tasks.find((t) => t.id === id)?.node === null), ...fixed] : plan.order;
  return {
    id: run.id,
    topologyId: run.topologyId,
    topologyName: topology?.name ?? null,
    group: run.group,
    mode: run.mode,
    schedule: run.schedule,
    maxFailures: run.maxFailures,
    taskTimeoutS: run.taskTimeoutS,
    issuer,
    oldSubject: run.oldSubject,
    newSubject: run.newSubject,
    createdBy: run.createdBy,
    createdAt: run.createdAt.toISOString(),
    plan,
    order,
    unsafeOrder: fixed !== null,
  };
}

/** An agent's latest status, or null when the stored JSON is not one (never trusted blindly). */
function parseStatus(json: string): NodeStatus | null {
  try {
    const r = NodeStatus.safeParse(JSON.parse(json));
    return r.success ? r.data : null;
  } catch {
    return null;
  }
}

/**
 * Agents handshake every second or so and report at least every 5 s; a link with no handshake
 * reported for this long is silent.
 */
export const SILENT_MS = 15_000;

/** Records of one end older than this before the other end's newest are superseded by it. */
export const SUPERSEDED_MS = 10_000;

/**
 * A link's handshake health from its two ends' last reports. Each end reports its own view
 * (the client: whether the exchange completed, with the new or, after a fallback, the old
 * certificate; the server: whether it accepted the client). The newest report decides what
 * is current; an end whose last report is much older describes an earlier moment and is left
 * out; of what remains, the worst wins (a server that rejected the client is a failure even if
 * the client has not noticed yet).
 */
export function linkHealth(clientEnd: LinkEnd | null, serverEnd: LinkEnd | null): { health: Health; reason: string | null; lastAt: string | null } {
  const ends = [clientEnd, serverEnd].filter((e): e is LinkEnd => e !== null);
  if (ends.length === 0) return { health: "unknown", reason: "neither end has reported a handshake on this link yet", lastAt: null };
  const newest = Math.max(...ends.map((e) => Date.parse(e.at)));
  const current = ends.filter((e) => Date.parse(e.at) >= newest - SUPERSEDED_MS);
  const rank = { ok: 0, fallback: 1, failed: 2 } as const;
  const worst = current.reduce((a, b) => (rank[b.result] > rank[a.result] ? b : a));
  const lastAt = new Date(newest).toISOString();
  if (worst.result === "ok") return { health: "ok", reason: null, lastAt };
  const who = `${worst.role} ${worst.node}`;
  return { health: worst.result, reason: worst.reason ? `${who}: ${worst.reason}` : `reported by ${who}`, lastAt };
}

/** The end a node's status reports for a peer in a role; a record of another group does not count. */
function endOf(status: NodeStatus | null, node: string, peer: string, role: "client" | "server", group: string): LinkEnd | null {
  const r = status?.peers.find((p) => p.peer === peer && p.role === role && (p.group === undefined || p.group === group));
  return r ? { node, role, result: r.result, at: r.at, ...(r.reason ? { reason: r.reason } : {}) } : null;
}

const TASK_STATES: readonly TaskState[] = ["waiting", "sent", "delivered", "succeeded", "failed"];

/** What the run page polls: state, tasks, node stores and link health. */
export async function runLive(runId: string, topologyId?: string): Promise<RunLive> {
  const run = await runRow(runId, topologyId);
  const now = Date.now();
  const [tasks, reports, topology] = await Promise.all([
    db().rotationTask.findMany({ where: { runId }, orderBy: { seq: "asc" } }),
    db().nodeReport.findMany({ where: { topologyId: run.topologyId } }),
    db().topology.findUnique({ where: { id: run.topologyId }, select: { document: true } }),
  ]);
  const counts = { total: tasks.length, waiting: 0, sent: 0, delivered: 0, succeeded: 0, failed: 0 } as RunLive["counts"];
  for (const t of tasks) if (TASK_STATES.includes(t.state as TaskState)) counts[t.state as TaskState]++;

  // The group's nodes and links come from the plan's tasks and the stored topology; the
  // topology may have been edited since, so only links between nodes of the plan are shown.
  const plan = JSON.parse(run.plan) as GroupPlan;
  const inPlan = new Set(plan.tasks.flatMap((t) => (t.node ? [t.node] : [])));
  const doc = topology ? (JSON.parse(topology.document) as TopologyDocument) : { nodes: [], links: [] };
  const links = doc.links.filter((l) => l.group === run.group && inPlan.has(l.client) && inPlan.has(l.server));
  const nodeOrder = doc.nodes.map((n) => n.id).filter((id) => inPlan.has(id));
  for (const id of inPlan) if (!nodeOrder.includes(id)) nodeOrder.push(id);

  const statusOf = new Map<string, { at: Date; status: NodeStatus | null }>();
  for (const r of reports) if (inPlan.has(r.nodeId)) statusOf.set(r.nodeId, { at: r.at, status: parseStatus(r.status) });

  return {
    id: run.id,
    state: run.state as RunState,
    failure: run.failure,
    finishedAt: iso(run.finishedAt),
    failedAt: iso(run.failedAt),
    counts,
    tasks: tasks.map((t) => ({
      id: t.taskId,
      node: t.node,
      kind: t.kind,
      state: t.state as TaskState,
      attempts: t.attempts,
      consecutiveFailures: t.consecutiveFailures,
      lastError: t.lastError,
      route: JSON.parse(t.route) as string[],
      sentAt: iso(t.sentAt),
      pickedUpAt: iso(t.pickedUpAt),
      deliveredAt: iso(t.deliveredAt),
      completedAt: iso(t.completedAt),
    })),
    nodes: nodeOrder.map((node) => {
      const r = statusOf.get(node);
      return {
        node,
        reportedAt: iso(r?.at),
        store: r?.status?.stores.find((s) => s.group === run.group) ?? null,
        pending: r?.status?.pending ?? null,
        silent: r !== undefined && now - r.at.getTime() > SILENT_MS,
      };
    }),
    links: links.map((l) => {
      const clientEnd = endOf(statusOf.get(l.client)?.status ?? null, l.client, l.server, "client", run.group);
      const serverEnd = endOf(statusOf.get(l.server)?.status ?? null, l.server, l.client, "server", run.group);
      const h = linkHealth(clientEnd, serverEnd);
      return { client: l.client, server: l.server, auth: l.auth, clientEnd, serverEnd, ...h, silent: h.lastAt !== null && now - Date.parse(h.lastAt) > SILENT_MS };
    }),
    at: now,
  };
}

// ---------------------------------------------------------------- issuer page

export interface RetiredRootView {
  id: string;
  subject: string;
  keyType: string;
  fingerprint: string;
  notBefore: string;
  notAfter: string;
  retiredAt: string;
  runId: string | null;
  /** The topology of the run that retired it, for a link to the run page. */
  topologyId: string | null;
}

/** The issuer's history of root keys that finished runs replaced, newest first. */
export async function retiredRoots(issuerId: string): Promise<RetiredRootView[]> {
  const rows = await db().retiredRoot.findMany({ where: { issuerId }, orderBy: { retiredAt: "desc" }, select: { id: true, subject: true, keyType: true, certificateDer: true, retiredAt: true, runId: true } });
  const runIds = rows.flatMap((r) => (r.runId ? [r.runId] : []));
  const runs = runIds.length ? await db().rotationRun.findMany({ where: { id: { in: runIds } }, select: { id: true, topologyId: true } }) : [];
  const topologyOf = new Map(runs.map((r) => [r.id, r.topologyId]));
  return rows.map((r) => {
    const c = parseCertificateDer(r.certificateDer);
    return {
      id: r.id,
      subject: r.subject,
      keyType: r.keyType,
      fingerprint: sha256Hex(r.certificateDer),
      notBefore: c.notBefore.toISOString(),
      notAfter: c.notAfter.toISOString(),
      retiredAt: r.retiredAt.toISOString(),
      runId: r.runId,
      topologyId: r.runId ? (topologyOf.get(r.runId) ?? null) : null,
    };
  });
}
