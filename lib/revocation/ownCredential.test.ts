import { beforeAll, describe, expect, it } from "vitest";
import { SYSTEM, type Actor } from "../auth/actor";
import { db } from "../db";
import { createIssuer } from "../issuers/service";
import { createLineage } from "../generations/lineage";
import { revokeGenerationNow } from "../generations/schedule";
import { ensureOwnCredential, type OwnCertificateSpec } from "./ownCredential";
import { startRevocation } from "./prefix";
import { raiseRevocationNumber } from "./rn";

const admin: Actor = { kind: "cli", name: "test", role: "administrator" };
const spec = (issuer: string, sans = ["DNS:localhost", "IP:127.0.0.1"]): OwnCertificateSpec => ({ issuer, actor: { ...SYSTEM, name: "https-listener" }, subject: "CN=rootline-https", profile: "server", sans });
const DAY = 86_400_000;

beforeAll(async () => {
  await createIssuer(admin, { name: "own", keyType: "ec-p256", certValidityDays: 90 });
  await createIssuer(admin, { name: "short-lived", keyType: "ec-p256", validityDays: 20 });
});

describe("Rootline's own server certificates", () => {
  it("issued once, then kept while good", async () => {
    const first = await ensureOwnCredential(spec("own"));
    expect((await ensureOwnCredential(spec("own"))).serial).toBe(first.serial);
    const row = await db().certificate.findFirstOrThrow({ where: { serial: first.serial, issuer: { name: "own" } } });
    expect(row).toMatchObject({ subject: "CN=rootline-https", profile: "server", sans: "DNS:localhost, IP:127.0.0.1" });
  });

  it("replaced when the names change, a month before expiry, and below the RN", async () => {
    const a = await ensureOwnCredential(spec("own"));
    const b = await ensureOwnCredential(spec("own", ["DNS:ca.example"]));
    expect(b.serial).toBeGreaterThan(a.serial);
    const c = await ensureOwnCredential(spec("own", ["DNS:ca.example"]), new Date(Date.now() + 61 * DAY));
    expect(c.serial).toBeGreaterThan(b.serial);
    const issuer = await db().issuer.findUniqueOrThrow({ where: { name: "own" } });
    await db().$transaction((tx) => raiseRevocationNumber(tx, admin, issuer.id, c.serial + 1n, "test"));
    expect((await ensureOwnCredential(spec("own", ["DNS:ca.example"]))).serial).toBeGreaterThan(c.serial);
  });

  it("renews when a prefix revocation asks, even as its target, settling the request", async () => {
    const cur = await ensureOwnCredential(spec("own"));
    const started = await startRevocation(admin, { issuer: "own", serial: cur.serial, reason: "superseded", order: "renew-first" });
    const next = await ensureOwnCredential(spec("own"));
    expect(next.serial).toBeGreaterThan(cur.serial);
    expect(await db().renewalRequest.findFirstOrThrow({ where: { revocationId: started.id, serial: cur.serial } })).toMatchObject({ status: "renewed", renewedVia: "generated-key" });
    // The certificate for the other names (previous test) is in the prefix too: the revocation waits for it.
    const status = async () => (await db().revocation.findUniqueOrThrow({ where: { id: started.id } })).status;
    expect(await status()).toBe("pending");
    await ensureOwnCredential(spec("own", ["DNS:ca.example"]));
    expect(await status()).toBe("completed");
  });

  it("after a generation move, renews from the next generation, settles its request, and keeps that certificate (with its issuer for the chain)", async () => {
    await createLineage(admin, { name: "own-line", keyType: "ec-p256", downloadUrlTemplate: "https://127.0.0.1:9/ca-info/{n}" });
    const [g1, cur] = [await db().issuer.findUniqueOrThrow({ where: { name: "own-line-1" } }), await ensureOwnCredential(spec("own-line-1"))];
    expect(cur.issuerId).toBe(g1.id);
    const moved = await revokeGenerationNow(admin, "own-line", 1, "retired early");
    expect(moved.moves[0]).toMatchObject({ successor: "own-line-2" });
    const next = await ensureOwnCredential(spec("own-line-1"));
    const g2 = await db().issuer.findUniqueOrThrow({ where: { name: "own-line-2" } });
    expect(next.issuerId).toBe(g2.id);
    expect(await db().renewalRequest.findFirstOrThrow({ where: { certificateId: (await db().certificate.findFirstOrThrow({ where: { issuerId: g1.id, serial: cur.serial } })).id } })).toMatchObject({ status: "renewed", renewedVia: "generated-key" });
    // Kept: no new certificate from generation 1 (which issues nothing more) nor from 2.
    expect(await ensureOwnCredential(spec("own-line-1"))).toMatchObject({ serial: next.serial, issuerId: g2.id });
  });

  it("does not churn under a CA that ends within the month (certificates stop at the CA's end)", async () => {
    const a = await ensureOwnCredential(spec("short-lived"));
    expect((await ensureOwnCredential(spec("short-lived"))).serial).toBe(a.serial);
  });
});
