import { describe, expect, it } from "vitest";
import { db } from "../db";
import { resolveAuditTargets } from "./targets";

describe("resolving audit targets", () => {
  it("names live objects from the database, and deleted ones from the entry itself", async () => {
    const topo = await db().topology.create({ data: { name: "plant-b", document: "{}" } });
    const user = await db().user.create({ data: { email: "carol@example.com", role: "auditor", passwordHash: "x" } });
    const events = [
      { seq: 1, targetType: "topology", targetId: topo.id, before: null, after: JSON.stringify({ name: "old name" }) },
      { seq: 2, targetType: "user", targetId: user.id, before: null, after: null },
      { seq: 3, targetType: "topology", targetId: "gone-id", before: JSON.stringify({ name: "deleted-plant" }), after: null },
      { seq: 4, targetType: "master-key", targetId: "abcd", before: null, after: null },
    ];
    const t = await resolveAuditTargets(events);
    expect(t.get(1)).toMatchObject({ name: "plant-b", gone: false });
    expect(t.get(2)).toMatchObject({ name: "carol@example.com", gone: false });
    expect(t.get(3)).toMatchObject({ name: "deleted-plant", gone: true });
    expect(t.get(4)).toMatchObject({ type: "master-key", id: "abcd", name: null });
  });
});
