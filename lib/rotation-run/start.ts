/**
 * Starting a run (docs/ROTATION_RUNS.md "The engine" → Start): the key work and the signing
 * first (on the issuer's serials as read), then one short transaction that checks nothing moved,
 * allocates those serials, stores the certificates, the run and its tasks, and sends the first
 * requests.
 */
import crypto from "node:crypto";
import { appendAudit } from "../audit";
import type { Actor } from "../auth/actor";
import { requirePermission } from "../auth/roles";
import type { Prisma } from "../../generated/prisma/client";
import { db, type Tx } from "../db";
import { ConflictError, InputError } from "../errors";
import { validityWindow } from "../issuers/validity";
import { parseCertificateDer } from "../pki/certificate";
import { sha256Hex } from "../pki/fingerprint";
import { spkiSha256Hex, type KeyType } from "../pki/keys";
import { formatSans } from "../pki/san";
import { DEFAULT_GROUP, planUpdate, type GroupPlan, type Mode, type ScheduleName } from "../rotation";
import { sealRunKey } from "../secrets/keys";
import { generateRunKey, isTokenKey, issuerRootKey } from "../keys";
import { advanceSerial } from "../store/state";
import { CA_TASK_KINDS, gatingEdges, signRequest, type RunContext } from "./context";
import { createNewRoot, resignNodeCertificate, signDistribution } from "./material";
import { nodesOf, presentsCertificate, topologyByName } from "./topology";
import { pemEncode } from "../pki/pem";

export interface StartInput {
  /** Topology name. */
  topology: string;
  group?: string;
  mode?: string;
  schedule?: string;
  /** Stepwise: deliver a pure client's store-root and store-cert as one request (2′). */
  mergeClientSteps?: boolean;
  maxFailures?: number;
  taskTimeoutS?: number;
  /** Test-only negative control (ROOTLINE_TEST_UNSAFE_ORDER=1): task ids run strictly one at a time in this order. */
  unsafeOrder?: string[];
}

const MODES: readonly Mode[] = ["stepwise", "bundled"];
const SCHEDULES: readonly ScheduleName[] = ["minimal", "phased", "linear"];

function wholeNumber(v: number | undefined, dflt: number, max: number, field: string): number {
  if (v === undefined) return dflt;
  if (!Number.isInteger(v) || v < 1 || v > max) throw new InputError(field, `${field} must be a whole number from 1 to ${max}`);
  return v;
}

function checkUnsafeOrder(order: unknown, plan: GroupPlan): string[] {
  if (process.env.ROOTLINE_TEST_UNSAFE_ORDER !== "1") throw new InputError("unsafe-order", "the unsafe order is a test-only switch (set ROOTLINE_TEST_UNSAFE_ORDER=1)");
  if (!Array.isArray(order) || !order.every((x) => typeof x === "string")) throw new InputError("unsafe-order", "the order must be a JSON array of task ids");
  const nodeTasks = new Set(plan.tasks.filter((t) => !CA_TASK_KINDS.has(t.kind)).map((t) => t.id));
  const ids = (order as string[]).filter((id) => !plan.tasks.some((t) => t.id === id && CA_TASK_KINDS.has(t.kind)));
  const unknown = ids.filter((id) => !nodeTasks.has(id));
  if (unknown.length) throw new InputError("unsafe-order", `unknown task ${unknown.map((u) => `"${u}"`).join(", ")}`);
  if (new Set(ids).size !== ids.length) throw new InputError("unsafe-order", "a task is listed twice");
  const missing = [...nodeTasks].filter((id) => !ids.includes(id));
  if (missing.length) throw new InputError("unsafe-order", `the order must list every task; missing ${missing.join(", ")}`);
  return ids;
}

/** Prisma's "unique constraint failed" (here: another unfinished run took the issuer). */
function isUniqueViolation(err: unknown): boolean {
  return typeof err === "object" && err !== null && (err as { code?: unknown }).code === "P2002";
}

export async function startRun(actor: Actor, input: StartInput): Promise<{ id: string }> {
  requirePermission(actor.role, "topologies:write");
  requirePermission(actor.role, "issuers:write");
  const group = input.group ?? DEFAULT_GROUP;
  const mode = (input.mode ?? "stepwise") as Mode;
  if (!MODES.includes(mode)) throw new InputError("mode", `the mode must be one of ${MODES.join(", ")}`);
  const schedule = (input.schedule ?? "minimal") as ScheduleName;
  if (!SCHEDULES.includes(schedule)) throw new InputError("schedule", `the schedule must be one of ${SCHEDULES.join(", ")}`);
  const maxFailures = wholeNumber(input.maxFailures, 5, 1000, "max-failures");
  const taskTimeoutS = wholeNumber(input.taskTimeoutS, 30, 86_400, "task-timeout-s");

  const t = await topologyByName(db(), input.topology);
  const planned = planUpdate(t.topology, { mode, schedule, mergeClientSteps: input.mergeClientSteps === true });
  if (!planned.ok) throw new InputError("mode", planned.errors.filter((e) => e.group === group).map((e) => e.message).join("; ") || planned.errors.map((e) => `${e.group}: ${e.message}`).join("; "));
  const plan = planned.plan.groups.find((g) => g.group === group);
  if (!plan) throw new InputError("group", `the topology "${t.name}" has no root key group "${group}"`);
  const unsafeOrder = input.unsafeOrder === undefined ? null : checkUnsafeOrder(input.unsafeOrder, plan);
  const binding = await db().topologyBinding.findUnique({ where: { topologyId_group: { topologyId: t.id, group } }, select: { issuerId: true } });
  if (!binding) throw new InputError("group", `the group "${group}" is not bound to an issuer (rootline topology bind)`);
  const issuer0 = await db().issuer.findUniqueOrThrow({ where: { id: binding.issuerId }, select: { certificateDer: true, keyType: true, keyStorage: true } });
  const keyType = issuer0.keyType as KeyType;
  const runId = "c" + crypto.randomBytes(12).toString("hex");
  // The key work, before the write lock: a new RSA key may take a while. A token issuer's
  // next root key is generated in its token (lib/keys) and nothing is sealed.
  const tokenKey = isTokenKey(issuer0) ? await generateRunKey(keyType, runId) : undefined;
  const newRoot = await createNewRoot({ oldCertDer: issuer0.certificateDer, keyType, tokenKey });
  const sealedNewKey = newRoot.newKeyPkcs8 ? sealRunKey(newRoot.newKeyPkcs8, { id: runId }) : new Uint8Array(0);
  const settings = { runId, t, group, mode, schedule, maxFailures, taskTimeoutS, plan, unsafeOrder, keyType, newRoot, sealedNewKey, issuerId: binding.issuerId };

  // Signing a thousand certificates and requests takes a second or more on a busy machine: it
  // happens outside the write lock, on serials read beforehand. The transaction only checks that
  // nothing moved meanwhile (else prepares again) and inserts.
  for (let round = 1; ; round++) {
    const prepared = await prepare(settings, new Date());
    try {
      // Inserting a thousand certificates and tasks on a loaded machine can outlast Prisma's 5 s default.
      await db().$transaction((tx) => commit(tx, actor, settings, prepared), { timeout: 60_000 });
      return { id: runId };
    } catch (err) {
      if (err instanceof MovedMeanwhile && round < 5) continue;
      // Two starts raced past the check in different processes: the unique index decided.
      if (isUniqueViolation(err)) throw new ConflictError("group", "another run on this issuer is unfinished; resume it to the end first");
      throw err;
    }
  }
}

type Settings = {
  runId: string;
  t: Awaited<ReturnType<typeof topologyByName>>;
  group: string;
  mode: Mode;
  schedule: ScheduleName;
  maxFailures: number;
  taskTimeoutS: number;
  plan: GroupPlan;
  unsafeOrder: string[] | null;
  keyType: KeyType;
  newRoot: Awaited<ReturnType<typeof createNewRoot>>;
  sealedNewKey: Uint8Array<ArrayBuffer>;
  issuerId: string;
};

/** The issuer's serial counter or a node's certificate changed between prepare and commit. */
class MovedMeanwhile extends Error {}

const ISSUER_COLUMNS = { id: true, name: true, subject: true, keyType: true, certificateDer: true, sealedKey: true, keyStorage: true, keyRef: true, nextSerial: true, certValidityDays: true } as const;

/** Everything signed, from a snapshot of the issuer and the nodes' certificates (no writes). */
async function prepare(s: Settings, now: Date) {
  const { t, group, plan } = s;
  const issuer = await db().issuer.findUniqueOrThrow({ where: { id: s.issuerId }, select: ISSUER_COLUMNS });
  const nodes = nodesOf(t.topology, group);
  const registered = new Set((await db().topologyNode.findMany({ where: { topologyId: t.id }, select: { nodeId: true } })).map((n) => n.nodeId));
  const held = await db().topologyNodeCertificate.findMany({ where: { topologyId: t.id, group }, select: { nodeId: true, certificateId: true } });
  const certOf = new Map(held.map((h) => [h.nodeId, h.certificateId]));
  // A node that presents no certificate in the group (a client only on one-way links) has none.
  const presenting = nodes.filter((n) => presentsCertificate(t.topology, group, n));
  const unprovisioned = [...nodes.filter((n) => !registered.has(n)), ...presenting.filter((n) => !certOf.has(n))];
  if (unprovisioned.length) throw new InputError("topology", `provision the topology first (rootline topology provision): no key or certificate for ${unprovisioned.slice(0, 5).join(", ")}${unprovisioned.length > 5 ? ", …" : ""}`);
  const current = await db().certificate.findMany({ where: { id: { in: [...certOf.values()] } }, select: { id: true, issuerId: true, der: true } });
  const currentById = new Map(current.map((c) => [c.id, c]));
  const stale = presenting.filter((n) => currentById.get(certOf.get(n)!)?.issuerId !== issuer.id);
  if (stale.length) throw new InputError("topology", `the nodes' certificates are not the bound issuer's (the group was bound again?): provision again (${stale.slice(0, 5).join(", ")})`);

  // Serials from the issuer's counter: the distribution root, then one per re-signed node key.
  let serial = issuer.nextSerial;
  const oldKey = issuerRootKey(issuer);
  const distributionDer = await signDistribution({ oldCertDer: issuer.certificateDer, oldKey: oldKey.key, keyType: s.keyType, newRoot: s.newRoot, serial: serial++, now });
  const win = validityWindow(now, issuer.certValidityDays);
  const certTasks = plan.tasks.filter((p) => p.node && (p.kind === "store-cert" || (p.kind === "bundle" && presentsCertificate(t.topology, group, p.node))));
  const rows: Prisma.CertificateCreateManyInput[] = [];
  for (const p of certTasks) {
    const der = await resignNodeCertificate(s.newRoot.newSigner, currentById.get(certOf.get(p.node!)!)!.der, { serial, notBefore: win.notBefore, notAfter: win.notAfter });
    const c = parseCertificateDer(der);
    rows.push({
      issuerId: issuer.id, serial: serial++, subject: c.subject, commonName: c.commonName ?? "", sans: formatSans(c.sans), profile: "both", keyType: c.keyType ?? "ec-p256",
      notBefore: c.notBefore, notAfter: c.notAfter, der: Buffer.from(der) as Uint8Array<ArrayBuffer>, fingerprintSha256: sha256Hex(der), spkiSha256: spkiSha256Hex(c.spki),
    });
  }
  const tasks = gatingEdges(plan, s.unsafeOrder);
  const ctx: RunContext = {
    id: s.runId, topologyId: t.id, group, issuerId: issuer.id, maxFailures: s.maxFailures, taskTimeoutS: s.taskTimeoutS, tasks,
    oldKey: oldKey.jws,
    newKey: s.newRoot.newKey,
    distributionPem: pemEncode("CERTIFICATE", distributionDer),
    newRootPem: pemEncode("CERTIFICATE", s.newRoot.newRootDer),
    certificatePem: new Map(certTasks.map((p, i) => [p.id, pemEncode("CERTIFICATE", rows[i].der as Uint8Array)])),
  };
  // The CA's own task is done (the material above); tasks gated only by it are sent at once.
  const caTasks = new Set(plan.tasks.filter((p) => CA_TASK_KINDS.has(p.kind)).map((p) => p.id));
  const taskRows: Prisma.RotationTaskCreateManyInput[] = [];
  let seq = 0;
  for (const p of plan.tasks) {
    const def = tasks.get(p.id)!;
    const base = { runId: s.runId, taskId: p.id, node: p.node, kind: p.kind, seq: seq++, firstHop: p.route[0] ?? null, route: JSON.stringify(p.route) };
    if (caTasks.has(p.id)) taskRows.push({ ...base, state: "succeeded", attempts: 1, sentAt: now, completedAt: now });
    else if (def.after.every((a) => caTasks.has(a))) taskRows.push({ ...base, state: "sent", attempts: 1, request: await signRequest(ctx, def, 1, now), sentAt: now });
    else taskRows.push(base);
  }
  return { now, issuer, held, distributionDer, rows, certTasks, taskRows, nextSerial: serial };
}

/** The write: checks nothing moved since `prepare`, then inserts the certificates, the run and its tasks. */
async function commit(tx: Tx, actor: Actor, s: Settings, p: Awaited<ReturnType<typeof prepare>>): Promise<void> {
  const { t, group, runId } = s;
  const issuer = await tx.issuer.findUniqueOrThrow({ where: { id: s.issuerId }, select: { name: true, nextSerial: true, certificateDer: true } });
  if (!Buffer.from(issuer.certificateDer).equals(Buffer.from(p.issuer.certificateDer))) throw new ConflictError("group", `the issuer "${issuer.name}" changed its root meanwhile; start again`);
  const active = await tx.rotationRun.findUnique({ where: { activeIssuerId: s.issuerId }, select: { id: true } });
  if (active) throw new ConflictError("group", `run ${active.id} on issuer "${issuer.name}" is unfinished; resume it to the end first`);
  if (issuer.nextSerial !== p.issuer.nextSerial) throw new MovedMeanwhile();
  const held = await tx.topologyNodeCertificate.findMany({ where: { topologyId: t.id, group }, select: { nodeId: true, certificateId: true } });
  const before = new Map(p.held.map((h) => [h.nodeId, h.certificateId]));
  if (held.length !== p.held.length || held.some((h) => before.get(h.nodeId) !== h.certificateId)) throw new MovedMeanwhile();

  await advanceSerial(tx, s.issuerId, p.nextSerial);
  const created = p.rows.length ? await tx.certificate.createManyAndReturn({ data: p.rows, select: { id: true, serial: true } }) : [];
  const idBySerial = new Map(created.map((c) => [c.serial, c.id]));
  const newCertOf = new Map(p.certTasks.map((task, i) => [task.id, idBySerial.get(BigInt(p.rows[i].serial))!]));
  await tx.rotationRun.create({
    data: {
      id: runId, topologyId: t.id, group, issuerId: s.issuerId, activeIssuerId: s.issuerId, mode: s.mode, schedule: s.schedule, state: "running", maxFailures: s.maxFailures, taskTimeoutS: s.taskTimeoutS,
      plan: JSON.stringify(s.plan), unsafeOrder: s.unsafeOrder ? JSON.stringify(s.unsafeOrder) : null, oldSubject: p.issuer.subject, newSubject: s.newRoot.newSubject.text,
      newKeySealed: s.sealedNewKey, newRootDer: Buffer.from(s.newRoot.newRootDer) as Uint8Array<ArrayBuffer>, distributionDer: Buffer.from(p.distributionDer) as Uint8Array<ArrayBuffer>,
      createdBy: `${actor.kind}:${actor.name}`, createdAt: p.now,
    },
  });
  await tx.rotationTask.createMany({ data: p.taskRows.map((r) => ({ ...r, newCertificateId: newCertOf.get(r.taskId) ?? null })) });
  await appendAudit(tx, actor, {
    action: "rotation.start",
    targetType: "rotation-run",
    targetId: runId,
    after: {
      topology: t.name, topologyId: t.id, group, issuer: issuer.name, mode: s.mode, schedule: s.schedule, maxFailures: s.maxFailures, taskTimeoutS: s.taskTimeoutS, unsafeOrder: !!s.unsafeOrder,
      oldSubject: p.issuer.subject, newSubject: s.newRoot.newSubject.text, tasks: p.taskRows.length, sent: p.taskRows.filter((r) => r.state === "sent").length,
      distributionSerial: p.issuer.nextSerial, resigned: p.rows.length, resignedSerials: p.rows.length ? [p.rows[0].serial, p.rows[p.rows.length - 1].serial] : [],
    },
  });
}
