/** Binding a root key group of a topology to an issuer: the group's "old root" (docs/ROTATION_RUNS.md). */
import { appendAudit } from "../audit";
import type { Actor } from "../auth/actor";
import { requirePermission } from "../auth/roles";
import { db } from "../db";
import { ConflictError, InputError } from "../errors";
import { DEFAULT_GROUP } from "../rotation";
import { issuerByName } from "../store/state";
import { groupsOf, topologyByName, UNFINISHED } from "./topology";

export interface BindInput {
  topology: string;
  group?: string;
  issuer: string;
}

export async function bindGroup(actor: Actor, input: BindInput): Promise<{ topologyId: string; group: string; issuer: string }> {
  requirePermission(actor.role, "topologies:write");
  const group = input.group ?? DEFAULT_GROUP;
  return db().$transaction(async (tx) => {
    const t = await topologyByName(tx, input.topology);
    const groups = groupsOf(t.topology);
    if (!groups.includes(group)) throw new InputError("group", `the topology "${t.name}" has no root key group "${group}" (its groups: ${groups.join(", ") || "none"})`);
    const issuer = await issuerByName(tx, input.issuer, { id: true, name: true });
    const running = await tx.rotationRun.findFirst({ where: { topologyId: t.id, group, state: { in: UNFINISHED } }, select: { id: true } });
    if (running) throw new ConflictError("group", `run ${running.id} on group "${group}" is unfinished; resume it to the end before binding the group again`);
    const before = await tx.topologyBinding.findUnique({ where: { topologyId_group: { topologyId: t.id, group } }, select: { issuerId: true } });
    await tx.topologyBinding.upsert({
      where: { topologyId_group: { topologyId: t.id, group } },
      create: { topologyId: t.id, group, issuerId: issuer.id },
      update: { issuerId: issuer.id },
    });
    await appendAudit(tx, actor, { action: "topology.bind", targetType: "topology", targetId: t.id, before: before ? { group, issuerId: before.issuerId } : undefined, after: { group, issuer: issuer.name, issuerId: issuer.id } });
    return { topologyId: t.id, group, issuer: issuer.name };
  });
}
