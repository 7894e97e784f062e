import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { issueCertificate } from "../certificates/issue";
import { requestFromCsr } from "../certificates/request";
import { db } from "../db";
import { createIssuer } from "../issuers/service";
import { addDays } from "../issuers/validity";
import { makeCsr } from "../test/csr";
import { completeRevocation, startRevocation } from "./prefix";
import { renewCertificate } from "./renewal";
import { revocationStatus } from "./status";
import { runSweep } from "./sweep";

/**
 * Issue 3's property: for any sequence of issuances, revocations, renewals, forced
 * completions and sweeps, a device that fetched the latest RN (it judges serial >= RN;
 * the signature always verifies, the issuer is known) accepts a certificate
 * - when no revocation is pending: exactly when it is the current, unrevoked
 *   certificate of its holder;
 * - during a pending revocation: as its order says — renew-first (and the sweep) keeps
 *   every awaited certificate accepted until the RN moves (unless a pending raise-first
 *   revocation already covers it); raise-first rejects every certificate up to the
 *   revoked serial at once.
 * And the RN never decreases.
 */
const op = { kind: "cli", name: "prop", role: "operator" } as const;

type Op =
  | { kind: "issue" }
  | { kind: "revoke"; pick: number; order: "renew-first" | "raise-first" }
  | { kind: "renew"; pick: number }
  | { kind: "force" }
  | { kind: "sweep"; days: number };

const opArb: fc.Arbitrary<Op> = fc.oneof(
  { weight: 3, arbitrary: fc.constant({ kind: "issue" as const }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant("revoke" as const), pick: fc.nat(20), order: fc.constantFrom("renew-first" as const, "raise-first" as const) }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant("renew" as const), pick: fc.nat(20) }) },
  { weight: 1, arbitrary: fc.constant({ kind: "force" as const }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("sweep" as const), days: fc.integer({ min: 0, max: 420 }) }) },
);

let run = 0;

async function apply(issuer: string, o: Op, holders: string[]): Promise<void> {
  const t = db();
  switch (o.kind) {
    case "issue": {
      const name = `h${holders.length}.example`;
      holders.push(name);
      await issueCertificate(op, issuer, await requestFromCsr({ csr: (await makeCsr(name)).pem }));
      return;
    }
    case "revoke": {
      const s = await revocationStatus(issuer);
      const candidates = await t.certificate.findMany({ where: { issuer: { name: issuer }, status: "valid", serial: { gte: s.revocationNumber } }, orderBy: { serial: "asc" } });
      if (!candidates.length) return;
      const c = candidates[o.pick % candidates.length];
      await startRevocation(op, { issuer, serial: c.serial, reason: "keyCompromise", order: o.order });
      return;
    }
    case "renew": {
      const awaited = (await revocationStatus(issuer)).pending.flatMap((p) => p.awaiting);
      if (!awaited.length) return;
      const serial = awaited[o.pick % awaited.length];
      const old = await t.certificate.findFirstOrThrow({ where: { issuer: { name: issuer }, serial } });
      await renewCertificate(op, { issuer, serial, csr: (await makeCsr(old.commonName)).pem });
      return;
    }
    case "force": {
      const pending = (await revocationStatus(issuer)).pending;
      if (pending.length) await completeRevocation(op, { issuer, serial: pending[pending.length - 1].serial, force: true });
      return;
    }
    case "sweep":
      await runSweep({ issuer, now: addDays(new Date(), o.days), lookAheadDays: 30 });
      return;
  }
}

async function checkInvariant(issuer: string, previousRn: bigint): Promise<bigint> {
  const s = await revocationStatus(issuer);
  expect(s.revocationNumber).toBeGreaterThanOrEqual(previousRn);
  const rn = s.revocationNumber;
  const certs = await db().certificate.findMany({ where: { issuer: { name: issuer } }, select: { id: true, serial: true, status: true, replacesId: true } });
  const replaced = new Set(certs.map((c) => c.replacesId).filter(Boolean));
  const accepted = (c: { serial: bigint }) => c.serial >= rn;
  // A certificate the CA calls valid is never rejected by devices.
  for (const c of certs) if (c.status === "valid") expect(accepted(c), `valid serial ${c.serial} rejected at RN ${rn}`).toBe(true);
  if (s.pending.length === 0) {
    for (const c of certs) {
      const current = !replaced.has(c.id) && c.status === "valid";
      expect(accepted(c), `serial ${c.serial} (${c.status}) at RN ${rn}`).toBe(current);
    }
  }
  // Raise-first rejects up to its serial at once; renew-first (and the sweep) keeps what it
  // awaits accepted, unless a pending raise-first revocation already covers it.
  const raised = s.pending.filter((p) => p.order === "raise-first").reduce((m, p) => (p.serial > m ? p.serial : m), -1n);
  for (const p of s.pending) {
    if (p.order === "raise-first") expect(rn).toBeGreaterThan(p.serial);
    else for (const a of p.awaiting) if (a > raised) expect(accepted({ serial: a }), `awaited ${a} under ${p.order} at RN ${rn}`).toBe(true);
  }
  return rn;
}

describe("revocation numbers: devices accept exactly the current certificates", () => {
  it("holds for random sequences of issuances, revocations, renewals, forced completions and sweeps", async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(opArb, { minLength: 1, maxLength: 14 }), async (ops) => {
        const issuer = `prop-${++run}`;
        await createIssuer({ kind: "cli", name: "t", role: "administrator" }, { name: issuer, keyType: "ec-p256" });
        const holders: string[] = [];
        let rn = 0n;
        for (const o of ops) {
          await apply(issuer, o, holders);
          rn = await checkInvariant(issuer, rn);
        }
      }),
      { numRuns: 25 },
    );
  }, 240_000);
});
