import { describe, expect, it } from "vitest";
import { createIssuer } from "../issuers/service";
import { opensslCsr } from "../test/openssl";
import { issueFromCsr } from "./certificates";
import { createProfileJson, listProfilesJson } from "./profiles";

const admin = { kind: "token", name: "t", role: "administrator" } as const;
const operator = { kind: "token", name: "o", role: "operator" } as const;
const post = (path: string, body: unknown) => new Request(`http://x${path}`, { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body) });

describe("API: /api/v1/profiles and validityDays on /api/v1/certificates", () => {
  it("adds and lists a custom profile, then issues with it and a validity override; an over-long one names validityDays", async () => {
    await expect(createProfileJson(operator, post("/api/v1/profiles", { name: "iot" }))).rejects.toThrow(/profiles:manage/);
    const created = await createProfileJson(admin, post("/api/v1/profiles", { name: "iot", keyUsage: ["digitalSignature"], extKeyUsage: ["clientAuth"], maxValidityDays: 50 }));
    expect(created.status).toBe(201);
    const listed = (await (await listProfilesJson()).json()) as { profiles: { name: string; maxValidityDays?: number; extKeyUsage: string[] }[] };
    expect(listed.profiles.find((p) => p.name === "iot")).toMatchObject({ maxValidityDays: 50, extKeyUsage: ["clientAuth"] });

    await createIssuer(admin, { name: "api-ca", keyType: "ec-p256" });
    const csr = opensslCsr("/CN=sensor-1").csr;
    const r = await issueFromCsr(admin, post("/api/v1/certificates", { issuer: "api-ca", csr, profile: "iot", validityDays: 5 }));
    const body = (await r.json()) as { profile: string; notBefore: string; notAfter: string; cappedAtCaExpiry: boolean };
    expect(r.status).toBe(201);
    expect(body.profile).toBe("iot");
    expect(body.cappedAtCaExpiry).toBe(false);
    expect((Date.parse(body.notAfter) - Date.parse(body.notBefore)) / 86_400_000).toBe(5);
    await expect(issueFromCsr(admin, post("/api/v1/certificates", { issuer: "api-ca", csr, profile: "iot", validityDays: "51" }))).rejects.toMatchObject({ field: "validityDays", status: 400 });
  });
});
