import { execFile, spawnSync } from "node:child_process";
import crypto from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import tls from "node:tls";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { issueCertificate } from "../certificates/issue";
import { requestFromCsr } from "../certificates/request";
import { db } from "../db";
import { createIssuer } from "../issuers/service";
import { pemEncode } from "../pki/pem";
import { startRevocation } from "../revocation/prefix";
import { makeCsr } from "../test/csr";
import { startFastPathServer, type FastPathProcess } from "../test/fastPathProcess";
import { ocspRequestDer } from "../test/ocsp";

/**
 * The OCSP responder with the real clients (issue 13, Contract): `openssl ocsp` against the
 * fast-path server on plain HTTP (POST and, with -reqout + curl, GET), the delegated
 * responder set up with the real CLI, and OCSP stapling in a real TLS handshake (a Node TLS
 * server staples Rootline's answer from its OCSPRequest event; `openssl s_client -status`).
 */

const ISSUER = "ocsp-proc";
const op = { kind: "user", name: "op@x", role: "operator" } as const;
const dir = fs.mkdtempSync(path.join(os.tmpdir(), "ocsp-proc-"));
const file = (name: string, data: string | Uint8Array) => {
  const p = path.join(dir, name);
  fs.writeFileSync(p, data);
  return p;
};
let server: FastPathProcess;
let url: string;
let caPem: string;
let caDer: Uint8Array;

function ossl(args: string[]) {
  const r = spawnSync("openssl", args, { encoding: "utf8", timeout: 20_000 });
  return { code: r.status, out: `${r.stdout}${r.stderr}` };
}

function rootline(args: string[]) {
  const r = spawnSync(process.execPath, [path.resolve("bin/rootline.mjs"), ...args], { encoding: "utf8", env: process.env, timeout: 60_000 });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

async function leaf(cn: string) {
  const csr = await makeCsr(`${cn}.example`);
  const c = await issueCertificate(op, ISSUER, await requestFromCsr({ csr: csr.pem }));
  const pkcs8 = Buffer.from(await crypto.subtle.exportKey("pkcs8", csr.keys.privateKey));
  return { serial: c.serial, der: c.der, pem: file(`${cn}.pem`, pemEncode("CERTIFICATE", c.der)), keyPem: pemEncode("PRIVATE KEY", pkcs8), certPem: pemEncode("CERTIFICATE", c.der) };
}

/** `openssl ocsp` as the Contract names it, verifying the response against the CA. */
const ocsp = (cert: string, ...extra: string[]) => ossl(["ocsp", "-issuer", caPem, "-cert", cert, "-url", url, "-resp_text", "-CAfile", caPem, ...extra]);

beforeAll(async () => {
  server = await startFastPathServer();
  await createIssuer({ kind: "cli", name: "t", role: "administrator" }, { name: ISSUER, keyType: "ec-p256", publicUrl: `http://127.0.0.1:${server.port}` });
  caDer = (await db().issuer.findUniqueOrThrow({ where: { name: ISSUER } })).certificateDer;
  caPem = file("ca.pem", pemEncode("CERTIFICATE", caDer));
  url = `http://127.0.0.1:${server.port}/ocsp/${ISSUER}`;
}, 30_000);
afterAll(() => server?.stop());

describe("openssl ocsp against /ocsp/{issuer}", () => {
  it("good → revoked (reason, time) → below the RN; the certificate's AIA names the responder", async () => {
    const a = await leaf("a");
    const b = await leaf("b");
    const c = await leaf("c");
    expect(ossl(["x509", "-noout", "-ocsp_uri", "-in", a.pem]).out.trim()).toBe(url);
    let r = ocsp(a.pem);
    expect(r.out).toMatch(/Response verify OK/);
    expect(r.out).toMatch(new RegExp(`${a.pem}: good`));
    expect(r.out).toMatch(/This Update: .*\n\s+Next Update: /);
    expect(r.out).toMatch(/OCSP Nonce:/); // openssl sends a nonce by default, and it came back

    // Renew-first: b goes on the CRL (and OCSP) at once; the RN does not move yet.
    await startRevocation(op, { issuer: ISSUER, serial: b.serial, reason: "keyCompromise", order: "renew-first" });
    r = ocsp(b.pem);
    expect(r.out).toMatch(new RegExp(`${b.pem}: revoked`));
    expect(r.out).toMatch(/Reason: keyCompromise/);
    expect(r.out).toMatch(/Revocation Time: \w{3} +\d+ \d\d:\d\d:\d\d \d{4} GMT/);
    // a < b has a renewal request but stays good until the RN moves (as on the CRL).
    expect(ocsp(a.pem).out).toMatch(new RegExp(`${a.pem}: good`));
    expect(ocsp(c.pem).out).toMatch(new RegExp(`${c.pem}: good`));

    // Raise-first over c: the RN passes it.
    const d = await leaf("d");
    await startRevocation(op, { issuer: ISSUER, serial: d.serial, reason: "cessationOfOperation", order: "raise-first" });
    r = ocsp(c.pem);
    expect(r.out).toMatch(new RegExp(`${c.pem}: revoked`));
    expect(r.out).toMatch(/Reason: superseded/);
    expect(ocsp(a.pem).out).toMatch(/Reason: superseded/);
    expect(ocsp(b.pem).out).toMatch(/Reason: keyCompromise/);
    expect(ocsp(d.pem).out).toMatch(/Reason: cessationOfOperation/);
  });

  it("GET with the base64 request in the path (escaped or raw), nonce and no nonce", async () => {
    const e = await leaf("e");
    const reqFile = path.join(dir, "req.der");
    expect(ossl(["ocsp", "-issuer", caPem, "-cert", e.pem, "-no_nonce", "-reqout", reqFile]).code).toBe(0);
    const b64 = fs.readFileSync(reqFile).toString("base64");
    for (const encoded of [encodeURIComponent(b64), b64]) {
      const respFile = path.join(dir, "resp.der");
      const curl = spawnSync("curl", ["-sS", "-o", respFile, "-w", "%{http_code} %{content_type}", `${url}/${encoded}`], { encoding: "utf8" });
      expect(curl.stdout).toBe("200 application/ocsp-response");
      const r = ossl(["ocsp", "-respin", respFile, "-issuer", caPem, "-cert", e.pem, "-CAfile", caPem, "-resp_text"]);
      expect(r.out).toMatch(/Response verify OK/);
      expect(r.out).toMatch(new RegExp(`${e.pem}: good`));
      expect(r.out).not.toMatch(/OCSP Nonce/);
    }
    // POST without a nonce: none in the answer either.
    expect(ocsp(e.pem, "-no_nonce").out).not.toMatch(/OCSP Nonce|WARNING/);
    // Garbage is OCSP's malformedRequest, not an HTTP error.
    const bad = spawnSync("curl", ["-sS", "-o", path.join(dir, "bad.der"), "-w", "%{http_code}", `${url}/AAAA`], { encoding: "utf8" });
    expect(bad.stdout).toBe("200");
    expect(ossl(["ocsp", "-respin", path.join(dir, "bad.der"), "-resp_text", "-noverify"]).out).toMatch(/malformedrequest/i);
    // Not OCSP at all: HTTP errors (another media type, an oversized body, another method).
    const post = (...args: string[]) => spawnSync("curl", ["-sS", "-o", "/dev/null", "-w", "%{http_code}", ...args, url], { encoding: "utf8" }).stdout;
    expect(post("-H", "Content-Type: text/plain", "--data-binary", `@${reqFile}`)).toBe("415");
    expect(post("-H", "Content-Type: application/ocsp-request", "--data-binary", `@${file("big.bin", Buffer.alloc(20_000))}`)).toBe("413");
    expect(post("-X", "PUT")).toBe("405");
  });

  it("a delegated responder, turned on with `rootline ocsp signer`, signs with its certificate sent along; --disable hands back", async () => {
    const f = await leaf("f");
    const on = rootline(["ocsp", "signer", "--issuer", ISSUER]);
    expect(on.err).toBe("");
    const info = JSON.parse(on.out);
    expect(info).toMatchObject({ issuer: ISSUER, delegated: true });
    const signer = await db().certificate.findFirstOrThrow({ where: { profile: "ocsp", issuer: { name: ISSUER } }, orderBy: { serial: "desc" } });
    expect(signer.serial.toString()).toBe(info.serial);
    const signerPem = file("signer.pem", pemEncode("CERTIFICATE", signer.der));
    let r = ocsp(f.pem);
    expect(r.out).toMatch(/Response verify OK/);
    expect(r.out).toMatch(new RegExp(`${f.pem}: good`));
    expect(r.out).toMatch(/Responder Id: [0-9A-F]{40}/);
    expect(r.out).toMatch(/Subject: CN\s*=\s*ocsp-proc OCSP responder/);
    expect(r.out).toMatch(/OCSP Signing/);
    // Trusting exactly that responder certificate works too.
    r = ocsp(f.pem, "-VAfile", signerPem);
    expect(r.out).toMatch(/Response verify OK/);

    const off = rootline(["ocsp", "signer", "--issuer", ISSUER, "--disable"]);
    expect(JSON.parse(off.out)).toEqual({ issuer: ISSUER, delegated: false });
    r = ocsp(f.pem);
    expect(r.out).toMatch(/Response verify OK/);
    expect(r.out).not.toMatch(/OCSP Signing/);
  }, 60_000);
});

describe("OCSP stapling in a real TLS handshake", () => {
  it("a Node TLS server staples Rootline's answer for its certificate; openssl s_client -status shows it", async () => {
    const s = await leaf("staple");
    const issuerUrl = new crypto.X509Certificate(s.certPem).infoAccess?.match(/OCSP - URI:(\S+)/)?.[1];
    expect(issuerUrl).toBe(url); // the AIA is where the server asks
    let asked = 0;
    const tlsServer = tls.createServer({ key: s.keyPem, cert: s.certPem, ca: [pemEncode("CERTIFICATE", caDer)] });
    tlsServer.on("OCSPRequest", (_cert: Buffer, _issuer: Buffer, cb: (err: Error | null, resp?: Buffer) => void) => {
      asked++;
      fetch(issuerUrl!, { method: "POST", headers: { "Content-Type": "application/ocsp-request" }, body: new Uint8Array(ocspRequestDer(caDer, s.serial)) })
        .then(async (res) => cb(null, Buffer.from(await res.arrayBuffer())))
        .catch((err) => cb(err));
    });
    tlsServer.on("secureConnection", (sock) => sock.end());
    await new Promise<void>((r) => tlsServer.listen(0, "127.0.0.1", () => r()));
    const port = (tlsServer.address() as { port: number }).port;
    try {
      const { stdout } = await promisify(execFile)("openssl", ["s_client", "-connect", `127.0.0.1:${port}`, "-status", "-CAfile", caPem], { timeout: 20_000 });
      expect(asked).toBe(1);
      expect(stdout).toMatch(/OCSP Response Status: successful \(0x0\)/);
      expect(stdout).toMatch(/Cert Status: good/);
      expect(stdout).toMatch(/Verify return code: 0 \(ok\)/);
    } finally {
      await new Promise((r) => tlsServer.close(r));
    }
  });
});
