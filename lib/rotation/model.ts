/**
 * Types of the root-key update model (SPEC §4). Names follow the SPEC glossary:
 * node, link, root key group, distribution root certificate, update procedure.
 */

/** Mutual: both ends authenticate each other. One-way: only the client authenticates the server. */
export type AuthMode = "mutual" | "one-way";

export const DEFAULT_GROUP = "default";

/** A device of the managed topology, with the defaults of the input format filled in. */
export interface TopologyNode {
  id: string;
  label?: string;
  /** The CA reaches this node over its own secure channel. */
  direct: boolean;
  /** The node has a server function (others can open connections to it). */
  acceptsConnections: boolean;
  x?: number;
  y?: number;
}

/** "client is a client of server" within one root key group. */
export interface TopologyLink {
  /** Position in the input `links` array; errors, statuses and routes refer to links by it. */
  index: number;
  client: string;
  server: string;
  group: string;
  auth: AuthMode;
}

/** A validated topology (output of `parseTopology`); plain JSON, safe to store. */
export interface Topology {
  nodes: TopologyNode[];
  links: TopologyLink[];
}

/** One problem found in a topology; `path` is a JSON path such as `links[3].server`. */
export interface TopologyError {
  path: string;
  message: string;
  nodeId?: string;
  linkIndex?: number;
}

export type ParseResult = { ok: true; topology: Topology } | { ok: false; errors: TopologyError[] };

export type Mode = "stepwise" | "bundled";
export type ScheduleName = "minimal" | "phased" | "linear";

export type StepwiseKind = "create-root" | "store-root" | "store-cert" | "replace-root";
export type BundledKind = "create-root-bundle" | "bundle" | "discard-old";
export type TaskKind = StepwiseKind | BundledKind;

/** How a request crosses one relay hop (SPEC §4.4). */
export type Delivery =
  /** The relay is the link's client: it opens a connection to the server at once. */
  | "push"
  /** The relay is the link's server: the request waits for the client's next poll. */
  | "poll";

export interface RouteHop {
  from: string;
  to: string;
  delivery: Delivery;
  /** The link whose authenticated channel carries the hop. */
  linkIndex: number;
}

/** One task of a group's update procedure. */
export interface PlannedTask {
  /** `KIND:NODE`, or `create-root` / `create-root-bundle` for the CA's own task. */
  id: string;
  kind: TaskKind;
  /** Target node; null for the CA's own task. */
  node: string | null;
  /** Mandatory predecessors (task ids). */
  after: readonly string[];
  /** Preferred predecessors (R3): violating them costs a fall-back, never authentication. */
  preferredAfter: readonly string[];
  /** Relay path from a direct node to the target ([target] when direct, [] for the CA's task). */
  route: readonly string[];
  /** How each hop of `route` is delivered (route.length - 1 hops). */
  hops: readonly RouteHop[];
  /** Phase of the schedule (level for `minimal`); tasks of one phase may run in parallel. */
  phase: number;
  /**
   * Number (1-based, in order of `order`) of the CA request that delivers this task; the two tasks
   * of a merged client request (2′) share one number. null for the CA's own task.
   */
  request: number | null;
}

export interface GroupPlan {
  group: string;
  mode: Mode;
  schedule: ScheduleName;
  mergeClientSteps: boolean;
  tasks: PlannedTask[];
  /** A full order honouring every `after` (and `preferredAfter`, which all schedules honour). */
  order: string[];
  /** Task ids per CA request, in order; length = number of requests the CA sends. */
  requests: string[][];
}

export interface UpdatePlan {
  groups: GroupPlan[];
}

export interface PlanOptions {
  mode?: Mode;
  schedule?: ScheduleName;
  /** Stepwise only: deliver a pure client's store-root and store-cert in one request (2′). */
  mergeClientSteps?: boolean;
}

export interface PlanError {
  group: string;
  message: string;
  nodeId?: string;
  linkIndex?: number;
}

export type PlanResult = { ok: true; plan: UpdatePlan } | { ok: false; errors: PlanError[] };

export type RootName = "old" | "distribution" | "new";
export type CertName = "old" | "new";

/** A node's certificate store within one root key group. */
export interface NodeStore {
  roots: RootName[];
  certificates: CertName[];
}

/**
 * ok: both required directions authenticate with the first certificate presented.
 * fallback: authenticates only after the client falls back to its old certificate (overhead).
 * broken: cannot authenticate.
 */
export type LinkStatus = "ok" | "fallback" | "broken";

export interface LinkRef {
  index: number;
  client: string;
  server: string;
  group: string;
}

export interface LinkState extends LinkRef {
  status: LinkStatus;
  /** Why the link falls back or is broken; absent when ok. */
  reason?: string;
}
