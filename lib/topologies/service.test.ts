import { describe, expect, it } from "vitest";
import { verifyAuditLog } from "../audit";
import { db } from "../db";
import { documentToJson } from "./document";
import { fig46 } from "./samples";
import {
  createTopology,
  deleteTopology,
  exportTopology,
  getTopology,
  importTopology,
  listTopologies,
  renameTopology,
  saveTopologyDocument,
} from "./service";

const admin = { kind: "cli", name: "test", role: "administrator" } as const;
const auditor = { kind: "user", name: "aud@x", role: "auditor" } as const;

async function auditFor(id: string) {
  return db().auditEvent.findMany({ where: { targetType: "topology", targetId: id }, orderBy: { seq: "asc" } });
}

describe("topologies", () => {
  it("creates an empty topology, audits it, and refuses a duplicate or bad name writing nothing", async () => {
    const t = await createTopology(admin, { name: "  plant A  " });
    expect(t.name).toBe("plant A");
    expect(t.document).toEqual({ nodes: [], links: [] });
    const audit = await auditFor(t.id);
    expect(audit.map((a) => a.action)).toEqual(["topology.create"]);
    expect(JSON.parse(audit[0].after!)).toMatchObject({ name: "plant A", nodes: 0, links: 0, valid: true, sha256: expect.stringMatching(/^[0-9a-f]{64}$/) });

    const before = await db().topology.count();
    await expect(createTopology(admin, { name: "plant A" })).rejects.toMatchObject({ field: "name", status: 409 });
    await expect(createTopology(admin, { name: "" })).rejects.toMatchObject({ field: "name" });
    await expect(createTopology(admin, { name: "a\u0007b" })).rejects.toMatchObject({ field: "name" });
    await expect(createTopology(admin, { name: "x", document: { nodes: [{ id: 3 }], links: [] } })).rejects.toMatchObject({ field: "document", message: /nodes\[0\]\.id/ });
    await expect(createTopology(auditor, { name: "y" })).rejects.toThrow(/role/);
    expect(await db().topology.count()).toBe(before);
  });

  it("imports valid JSON, refuses an invalid topology naming the link at fault, and keeps it only as an explicit draft", async () => {
    const ok = await importTopology(admin, { name: "fig46", text: documentToJson(fig46()) });
    expect(ok.errors).toEqual([]);
    expect(ok.document).toEqual(fig46());

    const broken = { ...fig46(), links: [...fig46().links, { client: "40-4", server: "30-9" }] };
    const count = await db().topology.count();
    await expect(importTopology(admin, { name: "broken", text: JSON.stringify(broken) })).rejects.toMatchObject({
      field: "document",
      message: expect.stringContaining('links[5] (40-4 → 30-9): unknown node "30-9" as server'),
    });
    await expect(importTopology(admin, { name: "garbage", text: "{not json" })).rejects.toMatchObject({ field: "document", message: /not valid JSON/ });
    await expect(importTopology(admin, { name: "typo", text: '{"nodes":[{"id":"a","drect":true}],"links":[]}' })).rejects.toMatchObject({ message: /nodes\[0\].*drect/ });
    expect(await db().topology.count()).toBe(count);

    const draft = await importTopology(admin, { name: "broken", text: JSON.stringify(broken), allowDraft: true });
    expect(draft.errors).toEqual([expect.objectContaining({ linkIndex: 5, path: "links[5].server" })]);
    const rows = await listTopologies();
    expect(rows.find((r) => r.name === "broken")).toMatchObject({ nodes: 6, links: 6, valid: false, errorCount: 1 });
    expect(rows.find((r) => r.name === "fig46")).toMatchObject({ nodes: 6, links: 5, valid: true, errorCount: 0, groups: ["default"] });
  });

  it("saves drafts, refuses malformed documents and stale saves, and audits before/after", async () => {
    const t = await createTopology(admin, { name: "editing" });
    // A node not linked yet is unreachable: a draft, saved with its error.
    const draft = await saveTopologyDocument(admin, t.id, { nodes: [{ id: "30", direct: true }, { id: "40", x: 10, y: 20 }], links: [] }, { expectedUpdatedAt: t.updatedAt });
    expect(draft.errors).toEqual([expect.objectContaining({ nodeId: "40", message: expect.stringContaining("cannot be reached") })]);
    expect(draft.document.nodes[1]).toEqual({ id: "40", direct: false, acceptsConnections: false, x: 10, y: 20 });

    // The editor still holds the first version: its save is refused, the row keeps the draft.
    await expect(saveTopologyDocument(admin, t.id, fig46(), { expectedUpdatedAt: t.updatedAt.toISOString() })).rejects.toMatchObject({ status: 409, field: "document" });
    await expect(saveTopologyDocument(admin, t.id, { nodes: "no", links: [] })).rejects.toMatchObject({ field: "document" });
    await expect(saveTopologyDocument(admin, "nope", fig46())).rejects.toMatchObject({ status: 404 });
    await expect(saveTopologyDocument(auditor, t.id, fig46())).rejects.toThrow(/role/);
    expect((await getTopology(t.id)).document.nodes.map((n) => n.id)).toEqual(["30", "40"]);

    const saved = await saveTopologyDocument(admin, t.id, fig46(), { expectedUpdatedAt: draft.updatedAt });
    expect(saved.errors).toEqual([]);
    expect(saved.updatedAt.getTime()).toBeGreaterThanOrEqual(draft.updatedAt.getTime());
    const audit = await auditFor(t.id);
    expect(audit.map((a) => a.action)).toEqual(["topology.create", "topology.update", "topology.update"]);
    expect(JSON.parse(audit[2].before!)).toMatchObject({ nodes: 2, links: 0, valid: false });
    expect(JSON.parse(audit[2].after!)).toMatchObject({ nodes: 6, links: 5, valid: true });
  });

  it("renames (refusing a taken name), exports canonical JSON and deletes with an audit entry", async () => {
    const t = await createTopology(admin, { name: "to rename", document: fig46() });
    await createTopology(admin, { name: "taken" });
    await expect(renameTopology(admin, t.id, "taken")).rejects.toMatchObject({ field: "name", status: 409 });
    // A rename from an editor that loaded an older version is refused like a stale save.
    const saved = await saveTopologyDocument(admin, t.id, fig46());
    await expect(renameTopology(admin, t.id, "stale", { expectedUpdatedAt: new Date(saved.updatedAt.getTime() - 1000) })).rejects.toMatchObject({ status: 409 });
    const renamed = await renameTopology(admin, t.id, "Plant B / hall 2", { expectedUpdatedAt: saved.updatedAt });
    expect(renamed.name).toBe("Plant B / hall 2");
    expect(renamed.document).toEqual(fig46());

    const file = await exportTopology(t.id);
    expect(file.filename).toBe("Plant-B-hall-2.topology.json");
    expect(file.body).toBe(documentToJson(fig46()));

    await deleteTopology(admin, t.id);
    await expect(getTopology(t.id)).rejects.toMatchObject({ status: 404 });
    await expect(deleteTopology(admin, t.id)).rejects.toMatchObject({ status: 404 });
    const audit = await auditFor(t.id);
    expect(audit.map((a) => a.action)).toEqual(["topology.create", "topology.update", "topology.update", "topology.delete"]);
    expect(JSON.parse(audit[3].before!)).toMatchObject({ name: "Plant B / hall 2", nodes: 6 });
    expect((await verifyAuditLog(db())).ok).toBe(true);
  });
});
