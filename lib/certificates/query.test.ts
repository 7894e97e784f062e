import { describe, expect, it } from "vitest";
import { createIssuer } from "../issuers/service";
import { startRevocation } from "../revocation/prefix";
import { issueCertificate } from "./issue";
import { listCertificates } from "./query";
import { requestWithGeneratedKey } from "./request";

const admin = { kind: "cli", name: "test", role: "administrator" } as const;

describe("the certificates list", () => {
  it("flags the valid certificates a pending revocation asks to renew, and only those", async () => {
    await createIssuer(admin, { name: "list-ca", keyType: "ec-p256" });
    for (const h of ["a", "b", "c"]) await issueCertificate(admin, "list-ca", await requestWithGeneratedKey({ subject: { CN: `${h}.example` }, keyType: "ec-p256" }));
    const before = await listCertificates({ issuer: "list-ca", sort: "serial", dir: "asc" });
    expect(before.rows.map((r) => [r.commonName, r.awaitingRenewal])).toEqual([["a.example", false], ["b.example", false], ["c.example", false]]);

    // Revoking serial 2 renew-first: 1 must renew first, 2 is revoked, 3 is untouched.
    await startRevocation(admin, { issuer: "list-ca", serial: 2n, reason: "superseded", order: "renew-first" });
    const after = await listCertificates({ issuer: "list-ca", sort: "serial", dir: "asc" });
    expect(after.rows.map((r) => [r.serial, r.status, r.awaitingRenewal])).toEqual([[1n, "valid", true], [2n, "revoked", true], [3n, "valid", false]]);
  });
});
