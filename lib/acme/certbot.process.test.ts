/**
 * Debian's certbot 2.1.0 against the ACME server over real HTTPS (lib/test/certbot.ts):
 * register and issue with http-01 (`--standalone`), renew, revoke by the certificate key
 * and by the account, a renewal that settles a renew-first revocation, and an order
 * outside the policy refused. certbot 2.1.0 predates ARI (RFC 9773, certbot 4.1): it
 * never reads renewalInfo, so renewals here are explicit (`certbot renew --force-renewal`).
 */
import fs from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Actor } from "../auth/actor";
import { db } from "../db";
import { createIssuer } from "../issuers/service";
import { parseCertificate } from "../pki/certificate";
import { startRevocation } from "../revocation/prefix";
import { openssl } from "../test/pki";
import { certbotInstalled, startCertbotEnv, type CertbotEnv } from "../test/certbot";
import { setAcmePolicy } from "./policy";

const ISSUER = "certbot-ca";
const NAME = "app.rootline.test";
const admin: Actor = { kind: "cli", name: "test", role: "administrator" };
const have = certbotInstalled();
if (!have) console.warn("certbot.process.test: /usr/bin/certbot is missing, skipping (npm test installs it: apt-get install certbot)");

let env: CertbotEnv;
beforeAll(async () => {
  if (!have) return;
  await createIssuer(admin, { name: ISSUER, keyType: "ec-p256" });
  await createIssuer(admin, { name: "certbot-tls", keyType: "ec-p256" });
  await setAcmePolicy(admin, ISSUER, { allowDns: "rootline.test" });
  env = await startCertbotEnv({ issuer: ISSUER, httpsIssuer: "certbot-tls", names: [NAME, "www.rootline.test", "evil.example"] });
}, 30_000);
afterAll(async () => {
  await env?.stop();
});

const serialOf = (file: string) => parseCertificate(fs.readFileSync(file, "utf8")).serial;
const row = (serial: bigint) => db().certificate.findFirstOrThrow({ where: { serial, issuer: { name: ISSUER } } });
const ok = (r: { code: number; stdout: string; stderr: string }) => expect(r.code, `${r.stdout}\n${r.stderr}`).toBe(0);

describe.skipIf(!have)("certbot against Rootline's ACME server", () => {
  it("registers and issues (http-01 over loopback); the chain verifies with openssl", async () => {
    ok(await env.certonly([NAME, "www.rootline.test"]));
    const live = env.live(NAME);
    const cert = parseCertificate(fs.readFileSync(live.cert, "utf8"));
    expect(cert.subject).toBe(`CN=${NAME}`);
    expect(cert.sans.map((s) => s.value)).toEqual([NAME, "www.rootline.test"]);
    const v = openssl(["verify", "-CAfile", env.caFile, "-untrusted", live.chain, live.cert]);
    expect(v.stdout + v.stderr).toMatch(/: OK/);
    expect((await row(cert.serial)).status).toBe("valid");
    expect(await db().acmeAccount.count({ where: { issuer: { name: ISSUER } } })).toBe(1);
  });

  it("renews (--force-renewal) with a new serial and a new key", async () => {
    const before = serialOf(env.live(NAME).cert);
    const keyBefore = fs.readFileSync(env.live(NAME).privkey, "utf8");
    ok(await env.renew(NAME));
    expect(serialOf(env.live(NAME).cert)).toBeGreaterThan(before);
    expect(fs.readFileSync(env.live(NAME).privkey, "utf8")).not.toBe(keyBefore);
  });

  it("revokes the first certificate by its own key (--key-path: a JWS with the certificate's jwk)", async () => {
    const archive = path.join(env.dir, "config", "archive", NAME);
    const serial = serialOf(path.join(archive, "cert1.pem"));
    ok(await env.run(["revoke", "--cert-path", path.join(archive, "cert1.pem"), "--key-path", path.join(archive, "privkey1.pem"), "--reason", "superseded", "--server", env.directoryUrl, "--no-delete-after-revoke"]));
    expect(await row(serial)).toMatchObject({ status: "revoked", revocationReason: "superseded" });
    const revoke = await db().auditEvent.findFirstOrThrow({ where: { action: "certificate.revoke", targetId: (await row(serial)).id } });
    expect(revoke.actor).toBe(`device:acme:key-of:${ISSUER}#${serial}`);
  });

  it("settles a renew-first revocation's renewal request when certbot renews (same account, same names)", async () => {
    const serial = serialOf(env.live(NAME).cert);
    const started = await startRevocation(admin, { issuer: ISSUER, serial, reason: "superseded", order: "renew-first" });
    expect(started.awaiting).toEqual([serial]);
    ok(await env.renew(NAME));
    const old = await row(serial);
    const request = await db().renewalRequest.findFirstOrThrow({ where: { certificateId: old.id } });
    expect([old.status, request.status, request.renewedVia]).toEqual(["revoked", "renewed", "acme"]);
    expect((await db().issuer.findUniqueOrThrow({ where: { name: ISSUER } })).revocationNumber).toBe(serial + 1n);
    const renewed = await row(serialOf(env.live(NAME).cert));
    expect([renewed.replacesId, renewed.subject]).toEqual([old.id, old.subject]);
  });

  it("revokes (keyCompromise) by the account: the database says revoked", async () => {
    const serial = serialOf(env.live(NAME).cert);
    ok(await env.run(["revoke", "--cert-path", env.live(NAME).cert, "--reason", "keycompromise", "--server", env.directoryUrl, "--no-delete-after-revoke"]));
    expect(await row(serial)).toMatchObject({ status: "revoked", revocationReason: "keyCompromise" });
  });

  it("is refused an identifier outside the policy, with rejectedIdentifier", async () => {
    const r = await env.certonly(["evil.example"], ["--cert-name", "evil"]);
    expect(r.code).not.toBe(0);
    expect(r.log + r.stderr).toMatch(/rejectedIdentifier/);
    expect(fs.existsSync(env.live("evil").cert)).toBe(false);
  });
});
