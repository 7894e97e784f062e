import { EdgeList, kahnLevels } from "./dag";
import type { GroupGraph } from "./graph";
import type { PlanError } from "./model";
import { BUNDLE, CREATE_ROOT_BUNDLE, DISCARD_OLD, TaskTableBuilder, type TaskTable } from "./tasks";

/**
 * Bundled tasks and constraints of one group (SPEC §4.3, seed FIG. 43/44/48):
 * - create-root-bundle (T): the CA makes the new pair, the distribution and the new root certificate;
 * - bundle(n) for every node: distribution root (checked with the old root), new root (checked with
 *   the distribution root) and, if n presents a certificate, its new certificate. A server replaces
 *   its certificate; a node that is a client anywhere in the group keeps its old root (its servers
 *   may still present old certificates) and a pure client keeps its old certificate too; a node
 *   that is only a server drops the old and distribution roots at once;
 * - discard-old(c) for every client: drops the distribution root, the old root and an old
 *   certificate.
 * Edges: T → bundle(n) for nodes that are no server; bundle(c) → bundle(s) and
 * bundle(s) → discard-old(c) for every link c → s. There are no preferred edges: a client presenting
 * its new certificate before its server holds the new root is the accepted overhead of this mode.
 *
 * Not every topology can be bundled: a node that is a server (one certificate, replaced by its
 * bundle) and a client on a mutual link must have its bundle after its own clients' and before its
 * server's, so its server cannot verify its new certificate in between. Such groups and groups
 * whose client → server links form a cycle are refused with an error; stepwise mode handles them.
 */
export function buildBundledTasks(graph: GroupGraph): { ok: true; table: TaskTable } | { ok: false; errors: PlanError[] } {
  const errors: PlanError[] = [];
  for (let k = 0; k < graph.client.length; k++) {
    const c = graph.client[k];
    if (graph.mutual[k] && graph.isServer[c]) {
      errors.push({
        group: graph.group,
        nodeId: graph.nodeIds[c],
        linkIndex: graph.linkIndex[k],
        message:
          `bundled mode cannot keep links[${graph.linkIndex[k]}] (${graph.nodeIds[c]} → ${graph.nodeIds[graph.server[k]]}) ` +
          `authenticated: ${graph.nodeIds[c]} is also a server, so its bundle replaces its only certificate ` +
          `before ${graph.nodeIds[graph.server[k]]} can hold the new root; use stepwise mode`,
      });
    }
  }
  if (errors.length > 0) return { ok: false, errors };

  const b = new TaskTableBuilder(graph);
  const n = graph.nodeIds.length;
  const t0 = b.add(CREATE_ROOT_BUNDLE, -1);
  for (let v = 0; v < n; v++) b.add(BUNDLE, v);
  for (let v = 0; v < n; v++) if (graph.isClient[v]) b.add(DISCARD_OLD, v);
  const bundle = b.byKind[BUNDLE];
  const discard = b.byKind[DISCARD_OLD];

  const mandatory = new EdgeList();
  for (let v = 0; v < n; v++) if (!graph.isServer[v]) mandatory.add(t0, bundle[v]);
  for (let k = 0; k < graph.client.length; k++) {
    mandatory.add(bundle[graph.client[k]], bundle[graph.server[k]]);
    mandatory.add(bundle[graph.server[k]], discard[graph.client[k]]);
  }
  const csr = mandatory.toCsr(b.count);
  const levels = kahnLevels(b.count, [csr]);
  if (!levels.ok) {
    const nodes = levels.cycle.filter((t) => b.kinds[t] === BUNDLE).map((t) => graph.nodeIds[b.nodes[t]]);
    const shown = nodes.slice(0, 10).join(", ") + (nodes.length > 10 ? `, … (${nodes.length} nodes)` : "");
    return {
      ok: false,
      errors: [
        {
          group: graph.group,
          nodeId: nodes[0],
          message: `bundled mode needs every server's clients bundled first, but client → server links form a cycle through ${shown}; use stepwise mode`,
        },
      ],
    };
  }
  return { ok: true, table: b.finish("bundled", csr, new EdgeList().toCsr(b.count)) };
}
