import { EdgeList } from "./dag";
import type { GroupGraph } from "./graph";
import {
  CREATE_ROOT,
  REPLACE_ROOT,
  STORE_CERT,
  STORE_ROOT,
  TaskTableBuilder,
  type TaskTable,
} from "./tasks";

/**
 * Stepwise tasks and constraints of one group (SPEC §4.2).
 *
 * Which tasks a node gets follows from what it does on its links in the group:
 * - roots (store-root, replace-root) iff it verifies a peer: client on any link, or server on a
 *   mutual link;
 * - store-cert iff it presents a certificate: server on any link, or client on a mutual link.
 * So a node that is only a client on one-way links gets store-root and replace-root (it has no
 * certificate), and a node that is only a server on one-way links gets store-cert alone: nobody
 * it talks to needs its roots. Its store-cert request carries the distribution root certificate,
 * which it checks with its old root and uses once to verify the new certificate (seed step S142′).
 *
 * Edges, for every link client c → server s (mandatory unless noted):
 * - R0 create-root → store-root(n);
 * - store-root(n) → store-cert(n) and store-root(n) → replace-root(n): n verifies what it receives
 *   with the distribution root (R1 "after store-root(s)", R2, R4/R5 "after store-root(n)");
 * - R1 store-root(c) → store-cert(s): s replaces its only certificate, c must verify the new one;
 * - R5 store-cert(s) → replace-root(c): c deletes the old root only once s presents the new cert;
 * - mutual only, R4 store-cert(c) → replace-root(s): s deletes the old root only once c has a
 *   new certificate;
 * - mutual only, store-root(s) → store-cert(c): preferred (R3) for a pure client, which can fall
 *   back to its old certificate; mandatory when c is also a server in the group (multi-role rule),
 *   because then it holds one certificate and has nothing to fall back to. On a one-way link s
 *   never verifies c, so there is no such edge.
 * Nothing links tasks of nodes that share no link.
 */
export function buildStepwiseTasks(graph: GroupGraph): TaskTable {
  const b = new TaskTableBuilder(graph);
  const n = graph.nodeIds.length;
  const createRoot = b.add(CREATE_ROOT, -1);
  for (let v = 0; v < n; v++) if (graph.needsRoots[v]) b.add(STORE_ROOT, v);
  for (let v = 0; v < n; v++) if (graph.needsCert[v]) b.add(STORE_CERT, v);
  for (let v = 0; v < n; v++) if (graph.needsRoots[v]) b.add(REPLACE_ROOT, v);
  const sr = b.byKind[STORE_ROOT];
  const sc = b.byKind[STORE_CERT];
  const rr = b.byKind[REPLACE_ROOT];

  const mandatory = new EdgeList();
  const preferred = new EdgeList();
  for (let v = 0; v < n; v++) {
    if (sr[v] < 0) continue;
    mandatory.add(createRoot, sr[v]);
    if (sc[v] >= 0) mandatory.add(sr[v], sc[v]);
    mandatory.add(sr[v], rr[v]);
  }
  for (let k = 0; k < graph.client.length; k++) {
    const c = graph.client[k];
    const s = graph.server[k];
    mandatory.add(sr[c], sc[s]);
    mandatory.add(sc[s], rr[c]);
    if (!graph.mutual[k]) continue;
    mandatory.add(sc[c], rr[s]);
    if (graph.isServer[c]) mandatory.add(sr[s], sc[c]);
    else preferred.add(sr[s], sc[c]);
  }
  const mandatoryCsr = mandatory.toCsr(b.count);
  return b.finish("stepwise", mandatoryCsr, preferred.toCsr(b.count, mandatoryCsr));
}
