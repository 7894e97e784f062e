import crypto from "node:crypto";
import { beforeAll, describe, expect, it } from "vitest";
import { issueCertificate } from "../certificates/issue";
import { requestFromCsr } from "../certificates/request";
import { db } from "../db";
import { createIssuer } from "../issuers/service";
import { parseCertificateDer } from "../pki/certificate";
import { parseCrl } from "../pki/crl";
import { currentCrl } from "../revocation/crlStore";
import { startRevocation } from "../revocation/prefix";
import { runSweep } from "../revocation/sweep";
import { makeCsr } from "../test/csr";
import { openssl, tempDir } from "../test/pki";
import { pemEncode } from "../pki/pem";
import { ocspRequestDer, readOcspResponse } from "../test/ocsp";
import { ocspHandler } from "./http";
import { answerOcsp } from "./responder";
import { disableDelegatedSigner, enableDelegatedSigner, keepDelegatedSigners } from "./signer";

const admin = { kind: "cli", name: "t", role: "administrator" } as const;
const op = { kind: "user", name: "op@x", role: "operator" } as const;
const ISSUER = "ocsp-unit";
let caDer: Uint8Array;

async function issue(cn: string) {
  return issueCertificate(op, ISSUER, await requestFromCsr({ csr: (await makeCsr(`${cn}.example`)).pem }));
}

async function ask(serial: bigint | bigint[], o: Parameters<typeof ocspRequestDer>[2] = {}, issuer = ISSUER) {
  const a = await answerOcsp(issuer, ocspRequestDer(caDer, serial, o));
  return { ...a, read: readOcspResponse(a.der) };
}

const keyHashOf = (der: Uint8Array) => crypto.createHash("sha1").update(new crypto.X509Certificate(Buffer.from(der)).publicKey.export({ type: "spki", format: "der" }).subarray(-65)).digest();

beforeAll(async () => {
  await createIssuer(admin, { name: ISSUER, keyType: "ec-p256" });
  caDer = (await db().issuer.findUniqueOrThrow({ where: { name: ISSUER } })).certificateDer;
  for (let i = 1; i <= 5; i++) await issue(`host-${i}`);
});

describe("OCSP responses (RFC 6960): statuses, issuer match, nonce, malformed input", () => {
  it("answers good, signed by the issuer (ResponderID byKey), with thisUpdate/nextUpdate of the current CRL", async () => {
    const a = await ask(1n);
    expect(a.status).toBe("successful");
    expect(a.read.singles).toMatchObject([{ serial: 1n, status: "good" }]);
    expect(a.read.verifies(caDer)).toBe(true);
    expect(a.read.basic!.certs ?? []).toHaveLength(0);
    expect(Buffer.from(a.read.basic!.tbsResponseData.responderID.byKey!.buffer)).toEqual(keyHashOf(caDer));
    const crl = parseCrl((await currentCrl(ISSUER)).der);
    expect(a.read.singles[0].thisUpdate).toEqual(crl.thisUpdate);
    expect(a.read.singles[0].nextUpdate).toEqual(crl.nextUpdate);
  });

  it("accepts SHA-256 CertIDs, and several certificates in one request", async () => {
    expect((await ask(1n, { hash: "sha256" })).read.singles).toMatchObject([{ status: "good" }]);
    expect((await ask([1n, 2n, 999n])).read.singles.map((s) => s.status)).toEqual(["good", "good", "unknown"]);
  });

  it("answers good for an intermediate CA it signed (the whole chain can be checked by OCSP); OpenSSL agrees", async () => {
    const inter = await createIssuer(admin, { name: "ocsp-unit-inter", keyType: "ec-p256", validityDays: 365, parent: ISSUER });
    const serial = parseCertificateDer(inter.certificateDer).serial;
    const a = await ask([serial, serial + 1n]);
    expect(a.read.singles.map((x) => [x.serial, x.status])).toEqual([
      [serial, "good"],
      [serial + 1n, "unknown"],
    ]);
    expect(a.read.verifies(caDer)).toBe(true);
    const t = tempDir();
    const pem = (d: Uint8Array) => pemEncode("CERTIFICATE", d);
    const single = await answerOcsp(ISSUER, ocspRequestDer(caDer, serial));
    const o = openssl(["ocsp", "-respin", t.write("r.der", single.der), "-issuer", t.write("ca.pem", pem(caDer)), "-CAfile", t.path("ca.pem"), "-cert", t.write("inter.pem", pem(inter.certificateDer)), "-no_nonce"]);
    expect(o.stderr).toMatch(/Response verify OK/);
    expect(o.stdout).toMatch(/inter\.pem: good/);
  });

  it("says unknown for a serial Rootline never issued, and for a CertID naming another CA's key; an unknown turns good once issued", async () => {
    expect((await ask(6n)).read.singles).toMatchObject([{ serial: 6n, status: "unknown" }]);
    expect((await ask(1n, { wrongKeyHash: true })).read.singles).toMatchObject([{ status: "unknown" }]);
    expect((await issue("host-6")).serial).toBe(6n);
    expect((await ask(6n)).read.singles).toMatchObject([{ serial: 6n, status: "good" }]);
  });

  it("echoes a nonce and signs that answer for this request alone; without one the bytes are cached", async () => {
    const nonce = crypto.randomBytes(16);
    const a = await ask(1n, { nonce });
    expect(a.read.nonce).toEqual(nonce);
    expect(a.fresh).toBe(true);
    const b = await ask(1n);
    expect(b.read.nonce).toBeUndefined();
    expect(b.fresh).toBe(false);
    expect((await ask(1n)).der).toBe(b.der); // the very same cached buffer
  });

  it("answers malformedRequest for bytes that are not one OCSPRequest, and unauthorized for an issuer it does not serve", async () => {
    const good = ocspRequestDer(caDer, 1n);
    const emptyList = Buffer.from("3004300230" + "00", "hex"); // OCSPRequest { TBSRequest { requestList {} } }
    const spoiledCertId = Buffer.from(good.toString("hex").replace("0500", "0501"), "hex"); // NULL parameters with content (not a TLV)
    for (const bad of [Buffer.alloc(0), Buffer.from("hello"), Buffer.concat([good, Buffer.from([0])]), good.subarray(0, good.length - 3), emptyList, spoiledCertId]) {
      const a = await answerOcsp(ISSUER, bad);
      expect(a.status).toBe("malformedRequest");
      expect(readOcspResponse(a.der).status).toBe(1);
    }
    const u = await answerOcsp("no-such-ca", good);
    expect(readOcspResponse(u.der).status).toBe(6);
  });

  it("revoked with time and reason from the certificate, and below the RN as superseded at the time the RN passed it; never a stale good", async () => {
    // Serial 3 answered (and cached) as good first.
    expect((await ask(3n)).read.singles[0].status).toBe("good");
    // Serial 2 was renewed (superseded, not revoked): still good until the RN passes it.
    await db().certificate.update({ where: { issuerId_serial: { issuerId: (await db().issuer.findUniqueOrThrow({ where: { name: ISSUER } })).id, serial: 2n } }, data: { status: "superseded" } });
    expect((await ask(2n)).read.singles[0].status).toBe("good");
    await startRevocation(op, { issuer: ISSUER, serial: 3n, reason: "keyCompromise", order: "raise-first" });
    const three = (await ask(3n)).read.singles[0];
    const row = await db().certificate.findFirstOrThrow({ where: { serial: 3n, issuer: { name: ISSUER } } });
    expect(three).toMatchObject({ status: "revoked", reason: 1 /* keyCompromise */ });
    expect(three.revokedAt!.getTime()).toBe(Math.floor(row.revokedAt!.getTime() / 1000) * 1000);
    const rnChange = await db().revocationNumberChange.findFirstOrThrow({ where: { issuer: { name: ISSUER } }, orderBy: { id: "desc" } });
    expect(rnChange.to).toBe(4n);
    const two = (await ask(2n)).read.singles[0];
    expect(two).toMatchObject({ status: "revoked", reason: 4 /* superseded */ });
    expect(two.revokedAt!.getTime()).toBe(Math.floor(rnChange.at.getTime() / 1000) * 1000);
    // Serial 1 (valid) was marked revoked by the RN raise: superseded.
    expect((await ask(1n)).read.singles[0]).toMatchObject({ status: "revoked", reason: 4 });
    expect((await ask(4n)).read.singles[0].status).toBe("good");
    // The answers' window is the new CRL's, which lists what OCSP says is revoked.
    const crl = parseCrl((await currentCrl(ISSUER)).der);
    expect(crl.entries.map((e) => e.serial).sort()).toEqual([1n, 2n, 3n]);
    expect((await ask(4n)).read.singles[0].thisUpdate).toEqual(crl.thisUpdate);
  });
});

describe("the delegated OCSP responder", () => {
  it("signs with an id-kp-OCSPSigning, no-check certificate sent along; renews it when the RN passes it; --disable hands back to the issuer", async () => {
    const on = await enableDelegatedSigner(admin, ISSUER);
    expect(on.delegated).toBe(true);
    const signer = await db().certificate.findFirstOrThrow({ where: { profile: "ocsp", issuer: { name: ISSUER } }, orderBy: { serial: "desc" } });
    const c = parseCertificateDer(signer.der);
    expect(c.extensions.find((e) => e.name === "extKeyUsage")).toMatchObject({ usages: ["OCSPSigning"] });
    expect(c.extensions.some((e) => e.oid === "1.3.6.1.5.5.7.48.1.5")).toBe(true);
    expect(signer.notAfter.getTime() - signer.notBefore.getTime()).toBeLessThanOrEqual(30 * 86_400_000);
    const a = (await ask(4n)).read;
    expect(a.singles[0].status).toBe("good");
    expect(a.basic!.certs).toHaveLength(1);
    expect(Buffer.from(a.basic!.tbsResponseData.responderID.byKey!.buffer)).toEqual(keyHashOf(signer.der));
    expect(a.verifies(signer.der)).toBe(true);
    expect(a.verifies(caDer)).toBe(false);

    // The expiry sweep leaves the 30-day responder alone (it would otherwise move the RN over everything below it).
    const [sweep] = await runSweep({ issuer: ISSUER, lookAheadDays: 60 });
    expect(sweep.opened?.serial).not.toBe(signer.serial);

    // An RN raise above it revokes it; the next answer comes from a renewed one.
    await issue("host-after");
    await startRevocation(op, { issuer: ISSUER, serial: signer.serial, reason: "superseded", order: "raise-first" });
    const next = (await ask(4n)).read;
    const renewed = await db().certificate.findFirstOrThrow({ where: { profile: "ocsp", issuer: { name: ISSUER } }, orderBy: { serial: "desc" } });
    expect(renewed.serial).toBeGreaterThan(signer.serial);
    expect(next.verifies(renewed.der)).toBe(true);
    expect(next.singles[0].status).toBe("revoked");

    // The hourly job renews it when due, without OCSP traffic; nothing when it is not.
    expect(await keepDelegatedSigners()).toEqual([]);
    expect(await keepDelegatedSigners(new Date(renewed.notAfter.getTime() - 86_400_000))).toEqual([ISSUER]);
    const byJob = await db().certificate.findFirstOrThrow({ where: { profile: "ocsp", issuer: { name: ISSUER } }, orderBy: { serial: "desc" } });
    expect(byJob.serial).toBeGreaterThan(renewed.serial);
    expect((await db().certificate.findUniqueOrThrow({ where: { id: renewed.id } })).status).toBe("superseded");

    expect((await disableDelegatedSigner(admin, ISSUER)).delegated).toBe(false);
    expect(await keepDelegatedSigners()).toEqual([]);
    const off = (await ask(1n)).read;
    expect(off.basic!.certs ?? []).toHaveLength(0);
    expect(off.verifies(caDer)).toBe(true);
  });
});

describe("OCSP over HTTP (RFC 6960 A.1): GET and POST through ocspHandler", () => {
  const ctx = { baseUrl: "http://127.0.0.1", remoteAddress: "127.0.0.1", secure: false, clientCertificateDer: null };
  const call = (path: string, init: RequestInit = {}) => ocspHandler(new Request(`http://127.0.0.1${path}`, init), ctx);
  const post = (body: Uint8Array, type = "application/ocsp-request", issuer = ISSUER) => call(`/ocsp/${issuer}`, { method: "POST", headers: { "Content-Type": type }, body: new Uint8Array(body) });
  const read = async (r: Response) => readOcspResponse(new Uint8Array(await r.arrayBuffer()));

  it("GET takes the base64 request with '+' and '/' raw or percent-escaped; POST the DER", async () => {
    // A serial whose request's base64 holds both '+' and '/'.
    let serial = 1n;
    while (!/\+.*\/|\/.*\+/.test(ocspRequestDer(caDer, serial).toString("base64"))) serial++;
    const der = ocspRequestDer(caDer, serial);
    const b64 = der.toString("base64");
    for (const path of [b64, encodeURIComponent(b64), b64.replace(/\+/g, "%2B")]) {
      const r = await call(`/ocsp/${ISSUER}/${path}`);
      expect(r.status).toBe(200);
      expect(r.headers.get("content-type")).toBe("application/ocsp-response");
      expect((await read(r)).singles).toMatchObject([{ serial, status: expect.any(String) }]);
    }
    const p = await post(der);
    expect(p.headers.get("cache-control")).toBe("public, no-cache, no-transform");
    expect(p.headers.get("etag")).toMatch(/^"[\w-]{22}"$/);
    expect((await read(p)).singles[0].serial).toBe(serial);
    const n = await post(ocspRequestDer(caDer, serial, { nonce: crypto.randomBytes(16) }));
    expect(n.headers.get("cache-control")).toBe("no-store");
  });

  it("malformed and unauthorized are OCSP statuses (HTTP 200); wrong method or media type are HTTP errors", async () => {
    expect((await read(await call(`/ocsp/${ISSUER}/`))).status).toBe(1);
    expect((await read(await call(`/ocsp/${ISSUER}/%%%`))).status).toBe(1);
    expect((await read(await call(`/ocsp/${ISSUER}/${Buffer.from("nonsense").toString("base64")}`))).status).toBe(1);
    expect((await read(await post(Buffer.from("nonsense")))).status).toBe(1);
    expect((await read(await post(ocspRequestDer(caDer, 1n), undefined, "nobody")))).toMatchObject({ status: 6 });
    expect((await post(ocspRequestDer(caDer, 1n), "application/octet-stream")).status).toBe(415);
    const put = await call(`/ocsp/${ISSUER}`, { method: "PUT", body: "x" });
    expect(put.status).toBe(405);
    expect(put.headers.get("allow")).toBe("GET, POST");
  });
});
