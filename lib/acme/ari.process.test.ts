import fs from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { db } from "../db";
import { createIssuer } from "../issuers/service";
import { parseCertificate } from "../pki/certificate";
import { startRevocation } from "../revocation/prefix";
import { revocationProgress } from "../revocation/progress";
import { certbotInstalled, startCertbotEnv, type CertbotEnv } from "../test/certbot";
import { createEabKey } from "./eab";
import { setAcmePolicy } from "./policy";
import { certIdOf } from "./renewalInfo";

/**
 * The issue's proof: a renew-first prefix revocation over several certbot-managed
 * certificates completes by itself once certbot has renewed each of them, with ARI
 * (RFC 9773) saying "renew now" for every one of them.
 *
 * Debian's certbot 2.1.0 does not read ARI: `certbot renew` decides by the certificate's
 * expiry alone, so during the revocation it says the certificates are not yet due and
 * renews nothing (shown below). The operator then runs `certbot renew --force-renewal`;
 * certbot sends no `replaces` either, and the ACME server recognises the renewal by the
 * same identifiers from the same account (lib/acme/finalize.ts), which settles each
 * renewal request exactly as a token renewal does (renewedVia "acme").
 *
 * On the way it shows certbot's External Account Binding (`--eab-kid`/`--eab-hmac-key`)
 * accepted under a policy that requires one.
 */
const ISSUER = "ari-certbot";
const NAMES = ["ari-a.rootline.test", "ari-b.rootline.test", "ari-c.rootline.test"];
const admin = { kind: "cli", name: "t", role: "administrator" } as const;

let env: CertbotEnv;
let issuerId: string;
let eab: { keyId: string; hmacKey: string };

beforeAll(async () => {
  issuerId = (await createIssuer(admin, { name: ISSUER, keyType: "ec-p256" })).id;
  // EAB required: certbot's binding (its first certonly registers the account) must verify.
  await setAcmePolicy(admin, ISSUER, { allowDns: "rootline.test", requireEab: true });
  eab = await createEabKey(admin, ISSUER, "certbot");
  env = await startCertbotEnv({ issuer: ISSUER, names: NAMES });
}, 30_000);

afterAll(async () => {
  await env?.stop();
});

const lineage = (name: string) => parseCertificate(fs.readFileSync(env.live(name).cert, "utf8"));

describe.skipIf(!certbotInstalled())("ARI with certbot: a renew-first revocation completes as certbot renews", () => {
  it("issues three certificates, says 'renew now' for each once the revocation starts, and the RN moves when certbot has renewed them", async () => {
    // One account (one config dir, bound to the EAB key), three lineages named after their names.
    for (const [i, n] of NAMES.entries()) {
      const r = await env.certonly([n], ["--cert-name", n, ...(i === 0 ? ["--eab-kid", eab.keyId, "--eab-hmac-key", eab.hmacKey] : [])]);
      expect(r.code, r.stderr).toBe(0);
    }
    expect(await db().acmeAccount.findMany({ where: { issuerId }, select: { eabKeyId: true } })).toEqual([{ eabKeyId: eab.keyId }]);
    const issued = NAMES.map(lineage);
    const serials = issued.map((c) => c.serial);
    const top = serials.reduce((a, b) => (a > b ? a : b));

    // The HTTPS listener's own certificate (same CA, lower serial) renews itself on its own
    // schedule (lib/revocation/ownCredential.ts): not what this proves, so it is excluded.
    const https = await db().certificate.findFirstOrThrow({ where: { issuerId, subject: "CN=rootline-https", status: "valid" }, select: { serial: true } });
    const started = await startRevocation(admin, { issuer: ISSUER, serial: top, reason: "superseded", order: "renew-first", exclude: [https.serial] });
    expect(started.awaiting).toEqual([...serials].sort((a, b) => (a < b ? -1 : 1)));
    expect((await revocationProgress(ISSUER)).pending).toEqual([{ serial: top.toString(), renewed: 0, excluded: 1, awaiting: 3 }]);

    // ARI, over the wire (renewalInfo is an unauthenticated GET; plain HTTP reaches it too): renew now.
    const directory = (await (await fetch(`http://127.0.0.1:${env.server.port}/acme/${ISSUER}/directory`)).json()) as { renewalInfo: string };
    const renewalInfoPath = new URL(directory.renewalInfo).pathname;
    const now = Date.now();
    for (const c of issued) {
      const r = await fetch(`http://127.0.0.1:${env.server.port}${renewalInfoPath}/${certIdOf(c.der)}`);
      expect(r.status).toBe(200);
      expect(Number(r.headers.get("retry-after"))).toBeLessThanOrEqual(300);
      const { suggestedWindow } = (await r.json()) as { suggestedWindow: { start: string; end: string } };
      // The revoked target's window is already past; the other two start now and end within the hour.
      expect(Date.parse(suggestedWindow.start)).toBeLessThanOrEqual(now);
      // The server's clock read happened between `now` and this line (a slow machine: seconds).
      expect(Date.parse(suggestedWindow.end)).toBeLessThanOrEqual(Date.now() + 3600_000);
    }

    // certbot 2.1.0 ignores ARI: a plain `certbot renew` finds nothing due and renews nothing.
    const plain = await env.run(["renew", "--no-random-sleep-on-renew"]);
    expect(plain.code, plain.stderr).toBe(0);
    expect(plain.stdout + plain.stderr).toMatch(/not yet due for renewal/);
    expect(plain.stdout + plain.stderr).toMatch(/No renewals were attempted/);
    expect((await revocationProgress(ISSUER)).pending[0]).toMatchObject({ renewed: 0, awaiting: 3 });

    // So the operator forces it, lineage by lineage; each renewal settles its request.
    for (const [i, n] of NAMES.entries()) {
      const r = await env.renew(n);
      expect(r.code, r.stderr).toBe(0);
      expect(lineage(n).serial).toBeGreaterThan(top);
      if (i < NAMES.length - 1) expect((await revocationProgress(ISSUER)).pending[0]).toMatchObject({ renewed: i + 1, awaiting: NAMES.length - 1 - i });
    }

    // The last renewal completed the revocation: RN moved past the revoked serial, nothing pending.
    const progress = await revocationProgress(ISSUER);
    expect(progress).toMatchObject({ revocationNumber: (top + 1n).toString(), pending: [] });
    const revocation = await db().revocation.findUniqueOrThrow({ where: { id: started.id }, include: { renewals: true } });
    expect(revocation).toMatchObject({ status: "completed", forced: false });
    expect(revocation.renewals.filter((r) => r.status === "renewed").map((r) => [r.serial, r.renewedVia]).sort()).toEqual(serials.map((s) => [s, "acme"]).sort());
    // Renewed certificates are current again for ARI: their window is the ordinary one, far ahead.
    const fresh = await (await fetch(`http://127.0.0.1:${env.server.port}${renewalInfoPath}/${certIdOf(lineage(NAMES[0]).der)}`)).json();
    expect(Date.parse((fresh as { suggestedWindow: { start: string } }).suggestedWindow.start)).toBeGreaterThan(Date.now() + 86_400_000);
  }, 60_000);
});
