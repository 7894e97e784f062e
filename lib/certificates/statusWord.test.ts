import { describe, expect, it } from "vitest";
import { createIssuer } from "../issuers/service";
import { completeRevocation, excludeFromRevocation, startRevocation } from "../revocation/prefix";
import { renewWithToken } from "../revocation/renewal";
import { makeCsr } from "../test/csr";
import { issueCertificate } from "./issue";
import { getCertificate, listCertificates } from "./query";
import { requestFromCsr } from "./request";
import { certificateStatusWord } from "./statusWord";

const op = { kind: "user", name: "op@x", role: "operator" } as const;
const admin = { kind: "cli", name: "t", role: "administrator" } as const;

/** The words of serials 1..3 (renewed, excluded, cut off), as the certificates list shows them. */
async function words(issuer: string) {
  const { rows } = await listCertificates({ issuer, sort: "serial", dir: "asc" });
  return Object.fromEntries(rows.filter((r) => r.serial <= 4n).map((r) => [r.serial.toString(), certificateStatusWord(r)]));
}

/**
 * Serial 4 revoked; collateral 1 renews, 2 is excluded, 3 is awaited and then cut off by a
 * forced completion. Returns the words while pending and after completion.
 */
async function scenario(issuer: string, order: "renew-first" | "raise-first") {
  await createIssuer(admin, { name: issuer, keyType: "ec-p256" });
  for (const cn of ["a", "b", "c", "t"]) await issueCertificate(op, issuer, await requestFromCsr({ csr: (await makeCsr(`${cn}.example`)).pem }));
  const r = await startRevocation(op, { issuer, serial: 4n, reason: "keyCompromise", order });
  const pending = await words(issuer);
  await renewWithToken({ token: r.tokens.find((t) => t.serial === 1n)!.token, csr: (await makeCsr("a.example")).pem });
  await excludeFromRevocation(op, { issuer, serial: 2n });
  const renewed = await words(issuer);
  await completeRevocation(op, { issuer, serial: 4n, force: true });
  return { pending, renewed, completed: await words(issuer) };
}

describe("certificate status word", () => {
  it("is the same for collateral certificates after renew-first and after raise-first, at every step", async () => {
    const renewFirst = await scenario("rf", "renew-first");
    const raiseFirst = await scenario("xf", "raise-first");
    expect(raiseFirst.pending).toEqual(renewFirst.pending);
    expect(raiseFirst.completed).toEqual(renewFirst.completed);
    expect(renewFirst.pending).toEqual({ "1": "awaiting renewal", "2": "awaiting renewal", "3": "awaiting renewal", "4": "revoked" });
    expect(renewFirst.completed).toEqual({ "1": "superseded", "2": "revoked", "3": "revoked", "4": "revoked" });
    // The renewed one reads "superseded" in both orders (stored "superseded" vs "revoked").
    expect([renewFirst.renewed["1"], raiseFirst.renewed["1"]]).toEqual(["superseded", "superseded"]);
    // Only while pending, an excluded holder differs, as devices do: still accepted before the
    // RN moves (renew-first), already rejected after (raise-first).
    expect([renewFirst.renewed["2"], raiseFirst.renewed["2"]]).toEqual(["valid", "revoked"]);
    // The detail page reads the same facts.
    const { rows } = await listCertificates({ issuer: "xf", sort: "serial", dir: "asc" });
    expect(certificateStatusWord(await getCertificate(rows[0].id))).toBe("superseded");
  });

  it("says expired and valid by the clock, and revoked for an explicit revocation even when renewed", () => {
    const base = { status: "valid", notAfter: new Date("2030-01-01"), revocationReason: null, awaitingRenewal: false, replaced: false };
    expect(certificateStatusWord(base, new Date("2029-01-01"))).toBe("valid");
    expect(certificateStatusWord(base, new Date("2031-01-01"))).toBe("expired");
    expect(certificateStatusWord({ ...base, status: "revoked", revocationReason: "keyCompromise", replaced: true })).toBe("revoked");
  });
});
