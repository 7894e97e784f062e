/**
 * The app's HTTPS listener (ROOTLINE_HTTPS_*), in its own process (lib/test/fastPathServer.ts
 * starts it through lib/https as server.ts does), with real clients: curl and openssl s_client.
 * It waits for an issuer created after start, serves the chain, asks for a client certificate
 * without requiring one, swaps in a renewed certificate without a restart, and plain HTTP
 * keeps working beside it.
 */
import { spawnSync } from "node:child_process";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Actor } from "../auth/actor";
import { issueCertificate } from "../certificates/issue";
import { requestFromCsr } from "../certificates/request";
import { db } from "../db";
import { createIssuer } from "../issuers/service";
import { pemEncode } from "../pki/pem";
import { startRevocation } from "../revocation/prefix";
import { startFastPathServer, type FastPathProcess } from "../test/fastPathProcess";
import { opensslCsr } from "../test/openssl";
import { tempDir } from "../test/pki";

const CA = "https-ca";
const admin: Actor = { kind: "cli", name: "test", role: "administrator" };
const files = tempDir();
let server: FastPathProcess;
let httpsPort: number;

function run(cmd: string, args: string[], input = ""): { status: number; stdout: string; stderr: string } {
  const r = spawnSync(cmd, args, { input, encoding: "utf8", timeout: 10_000 });
  return { status: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

/** curl's status code for a URL (extra args before it); "000" when the connection failed. */
const curlStatus = (url: string, ...args: string[]) => run("curl", ["-sS", "-o", "/dev/null", "-w", "%{http_code}", ...args, url]);

/** The serial (hex, upper case as openssl prints it) of the certificate the listener serves now. */
function servedSerial(): string {
  const hello = run("openssl", ["s_client", "-connect", `127.0.0.1:${httpsPort}`, "-servername", "localhost"]);
  const serial = run("openssl", ["x509", "-noout", "-serial"], hello.stdout);
  return /serial=([0-9A-F]+)/.exec(serial.stdout)?.[1] ?? `none: ${hello.stderr}`;
}

beforeAll(async () => {
  // Started before its issuer exists, as the e2e server is: it must wait, not crash.
  server = await startFastPathServer({ https: { issuer: CA, checkSeconds: 0.2 } });
  await server.waitFor(/HTTPS listener waits: no issuer named "https-ca" yet/, 10_000);
  const issuer = await createIssuer(admin, { name: CA, keyType: "ec-p256" });
  files.write("ca.pem", pemEncode("CERTIFICATE", issuer.certificateDer));
  httpsPort = await server.httpsPort();
}, 30_000);

afterAll(async () => {
  await server?.stop();
});

describe("the HTTPS listener", () => {
  it("serves every route over TLS with a certificate of the issuer, for localhost and 127.0.0.1; plain HTTP still serves", () => {
    for (const host of ["localhost", "127.0.0.1"]) expect(curlStatus(`https://${host}:${httpsPort}/api/health`, "--cacert", files.path("ca.pem")).stdout).toBe("200");
    // A CA it was not issued by: curl refuses the handshake.
    const other = run("openssl", ["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", files.path("other.key"), "-subj", "/CN=other", "-days", "1"]);
    files.write("other.pem", other.stdout);
    expect(curlStatus(`https://localhost:${httpsPort}/api/health`, "--cacert", files.path("other.pem")).stdout).toBe("000");
    expect(curlStatus(`http://127.0.0.1:${server.port}/api/health`).stdout).toBe("200");
  });

  it("asks for a client certificate but does not require one", async () => {
    const hello = run("openssl", ["s_client", "-connect", `127.0.0.1:${httpsPort}`, "-servername", "localhost", "-CAfile", files.path("ca.pem"), "-verify_return_error"]);
    expect(hello.stdout).toMatch(/Verify return code: 0 \(ok\)/);
    // Printed only when the server sent a CertificateRequest (not by a server that asks for none).
    expect(hello.stdout).toMatch(/^Requested Signature Algorithms: /m);
    // A client certificate of the same CA: sent, and the request is served.
    const { csr, keyFile } = opensslCsr("/CN=device-1");
    const leaf = await issueCertificate(admin, CA, await requestFromCsr({ csr, profile: "client" }));
    files.write("device.pem", pemEncode("CERTIFICATE", leaf.der));
    expect(curlStatus(`https://localhost:${httpsPort}/api/health`, "--cacert", files.path("ca.pem"), "--cert", files.path("device.pem"), "--key", keyFile).stdout).toBe("200");
    // And one no CA here issued: the listener does not judge it (the EST handler would).
    expect(curlStatus(`https://localhost:${httpsPort}/api/health`, "--cacert", files.path("ca.pem"), "--cert", files.path("other.pem"), "--key", files.path("other.key")).stdout).toBe("200");
  });

  it("swaps in its renewed certificate without a restart when a prefix revocation asks for it", async () => {
    const before = servedSerial();
    const serial = BigInt(`0x${before}`);
    await startRevocation(admin, { issuer: CA, serial, reason: "superseded", order: "renew-first" });
    await expect.poll(servedSerial, { timeout: 5_000, interval: 100 }).not.toBe(before);
    const after = BigInt(`0x${servedSerial()}`);
    expect(after).toBeGreaterThan(serial);
    // The renewal settled the request, so the renew-first revocation completed and the RN moved past it.
    const request = await db().renewalRequest.findFirstOrThrow({ where: { serial }, select: { status: true, renewedVia: true } });
    expect(request).toEqual({ status: "renewed", renewedVia: "generated-key" });
    const issuer = await db().issuer.findUniqueOrThrow({ where: { name: CA }, select: { revocationNumber: true } });
    expect(issuer.revocationNumber).toBe(serial + 1n);
    expect(curlStatus(`https://localhost:${httpsPort}/api/health`, "--cacert", files.path("ca.pem")).stdout).toBe("200");
    await server.waitFor(/HTTPS certificate renewed/, 2_000);
  });
});
