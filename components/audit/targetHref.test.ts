import { describe, expect, it } from "vitest";
import { auditTargetHref } from "./targetHref";

const admin = { manageUsers: true };
const auditor = { manageUsers: false };
const t = (type: string, id: string, more: object = {}) => ({ type, id, name: null, gone: false, ...more });

describe("audit target links", () => {
  it("point at each object's staff page, by the key that page uses", () => {
    expect(auditTargetHref(t("certificate", "c1"), admin)).toBe("/certificates/c1");
    expect(auditTargetHref(t("issuer", "i1", { name: "Root CA/2" }), admin)).toBe("/issuers/Root%20CA%2F2");
    expect(auditTargetHref(t("lineage", "l1", { name: "plant" }), admin)).toBe("/lineages/plant");
    expect(auditTargetHref(t("topology", "t1"), admin)).toBe("/topologies/t1");
    expect(auditTargetHref(t("proxy", "p1"), admin)).toBe("/proxies/p1");
    expect(auditTargetHref(t("rotation-run", "r1", { topologyId: "t1" }), admin)).toBe("/topologies/t1/runs/r1");
    expect(auditTargetHref(t("revocation", "v1", { issuer: "Root" }), admin)).toBe("/revocation?issuer=Root");
    expect(auditTargetHref(t("user", "u1"), admin)).toBe("/users/u1");
  });

  it("send an auditor (no Users page) to the user's history, and link nothing that is gone or has no page", () => {
    expect(auditTargetHref(t("user", "u1"), auditor)).toBe("/audit?target=u1");
    expect(auditTargetHref(t("api-token", "k1"), auditor)).toBe("/audit?target=k1");
    expect(auditTargetHref(t("topology", "t1", { gone: true }), admin)).toBeNull();
    expect(auditTargetHref(t("master-key", "ab"), admin)).toBeNull();
    expect(auditTargetHref(t("issuer", "i1"), admin)).toBeNull();
  });
});
