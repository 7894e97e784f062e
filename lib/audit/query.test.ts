import crypto from "node:crypto";
import { beforeAll, describe, expect, it } from "vitest";
import { db } from "../db";
import { InputError } from "../errors";
import { auditEventsForExport, auditFilterParams, listAuditEvents, parseAuditFilter } from "./query";

/** Entries at chosen times (appendAudit stamps "now"); the chain itself is not under test here. */
async function put(at: string, actor: string, action: string, targetType: string, targetId: string, after: unknown = null) {
  const h = () => crypto.randomBytes(32).toString("hex");
  await db().auditEvent.create({ data: { at: new Date(at), actor, action, targetType, targetId, before: null, after: after === null ? null : JSON.stringify(after), prevHash: h(), hash: h() } });
}

let topologyId = "";

beforeAll(async () => {
  topologyId = (await db().topology.create({ data: { name: "plant-a", document: "{}" } })).id;
  await put("2026-11-01T08:00:00Z", "user:alice@example.com", "session.sign-in", "user", "u-alice");
  await put("2026-11-01T23:59:59Z", "user:alice@example.com", "certificate.issue", "certificate", "c-1", { serial: 1 });
  await put("2026-11-02T00:00:00Z", "user:bob@example.com", "certificate.issue", "certificate", "c-2", { serial: 2 });
  await put("2026-11-03T12:30:00Z", "system:crl", "crl.publish", "issuer", "i-1", { crlNumber: 2 });
  await put("2026-11-04T09:00:00Z", "user:bob@example.com", "topology.update", "topology", topologyId, { name: "plant-a" });
  await put("2026-11-05T09:00:00Z", "cli:root", "certificate.revoke", "certificate", "c-1", { status: "revoked" });
});

const seqsOf = async (f: Parameters<typeof listAuditEvents>[0]) => (await listAuditEvents(f)).events.map((e) => e.targetId + "/" + e.action);

describe("audit log filters (server-side, real SQLite)", () => {
  it("by date range: `to` keeps its whole day, `from` starts at midnight UTC", async () => {
    const f = parseAuditFilter({ from: "2026-11-01", to: "2026-11-01" });
    expect(await seqsOf(f)).toEqual(["c-1/certificate.issue", "u-alice/session.sign-in"]);
    expect(await seqsOf(parseAuditFilter({ from: "2026-11-02" }))).toHaveLength(4);
    expect(await seqsOf(parseAuditFilter({ to: "2026-11-02" }))).toHaveLength(3);
    // An instant bound: to=…T12:30 keeps entries of that minute.
    expect(await seqsOf(parseAuditFilter({ from: "2026-11-03T12:30", to: "2026-11-03T12:30" }))).toEqual(["i-1/crl.publish"]);
  });

  it("by actor (substring), action (exact) and target type", async () => {
    expect(await seqsOf({ actor: "bob@" })).toEqual([`${topologyId}/topology.update`, "c-2/certificate.issue"]);
    expect(await seqsOf({ action: "certificate.issue" })).toEqual(["c-2/certificate.issue", "c-1/certificate.issue"]);
    expect(await seqsOf({ action: "certificate.iss" })).toEqual([]);
    expect(await seqsOf({ targetType: "issuer" })).toEqual(["i-1/crl.publish"]);
  });

  it("by target: its id, or the name of the object (a topology's name finds its id)", async () => {
    expect(await seqsOf({ target: "c-1" })).toEqual(["c-1/certificate.revoke", "c-1/certificate.issue"]);
    expect(await seqsOf({ target: "plant-a" })).toEqual([`${topologyId}/topology.update`]);
  });

  it("combines filters, and paginates newest first with the filter kept", async () => {
    expect(await seqsOf({ actor: "alice", action: "certificate.issue", from: new Date("2026-11-01T12:00:00Z") })).toEqual(["c-1/certificate.issue"]);
    const first = await listAuditEvents({ targetType: "certificate", take: 2 });
    expect(first.events.map((e) => e.targetId)).toEqual(["c-1", "c-2"]);
    const second = await listAuditEvents({ targetType: "certificate", take: 2, before: first.nextBefore! });
    expect(second.events.map((e) => e.targetId)).toEqual(["c-1"]);
    expect(second.nextBefore).toBeNull();
  });

  it("refuses malformed and impossible dates, and a range that ends before it starts", () => {
    for (const [k, v] of [["from", "yesterday"], ["to", "2026-02-30"], ["from", "2026-11-01T25:00"], ["from", "2026-11-01' OR 1=1"]]) {
      expect(() => parseAuditFilter({ [k]: v })).toThrow(InputError);
    }
    expect(() => parseAuditFilter({ from: "2026-11-05", to: "2026-11-04" })).toThrow(/before its start/);
  });

  it("the URL parameters round-trip, so a filtered view is a shareable link", () => {
    const sp = { from: "2026-11-01", to: "2026-11-02", actor: "bob", action: "certificate.issue", type: "certificate", target: "c-1", before: "99", verify: "1" };
    const params = auditFilterParams(sp);
    expect(params.toString()).toBe("from=2026-11-01&to=2026-11-02&actor=bob&action=certificate.issue&type=certificate&target=c-1");
    expect(parseAuditFilter(params)).toEqual(parseAuditFilter(sp));
  });

  it("the export walks every matching entry oldest first, in batches, and stops at the head it started from", async () => {
    const seen: string[] = [];
    const it = auditEventsForExport({ targetType: "certificate" }, 1);
    for await (const e of it) {
      seen.push(e.targetId);
      // Appended mid-export: not part of this export.
      if (seen.length === 1) await put("2026-11-06T00:00:00Z", "cli:root", "certificate.issue", "certificate", "c-late");
    }
    expect(seen).toEqual(["c-1", "c-2", "c-1"]);
  });
});
