/**
 * EST (RFC 7030) end to end with the clients a device script uses: curl and openssl, over
 * the app's real HTTPS listener (lib/test/fastPathServer.ts with ROOTLINE_HTTPS_*, as
 * server.ts runs it), following the RFC's flow: cacerts → simpleenroll (HTTP Basic with the
 * enrolment secret from `rootline est secret`) → simplereenroll over mutual TLS, including
 * a re-enrolment that answers a renew-first prefix revocation and one refused after
 * keyCompromise. The commands are the ones docs/EST.md shows.
 */
import { spawnSync } from "node:child_process";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Actor } from "../auth/actor";
import { db } from "../db";
import { createIssuer } from "../issuers/service";
import { pemEncode } from "../pki/pem";
import { startRevocation } from "../revocation/prefix";
import { startFastPathServer, type FastPathProcess } from "../test/fastPathProcess";
import { tempDir } from "../test/pki";

const admin: Actor = { kind: "cli", name: "test", role: "administrator" };
const files = tempDir();
let server: FastPathProcess;
let base: string;
let secret: string;

/** bash in the temp directory, with $BASE (https://localhost:P/.well-known/est/est-ca) and $SECRET set. */
function sh(script: string): { status: number; stdout: string; stderr: string } {
  const r = spawnSync("bash", ["-c", `set -euo pipefail\n${script}`], { cwd: files.dir, env: { ...process.env, BASE: base, SECRET: secret }, encoding: "utf8", timeout: 15_000 });
  return { status: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}
function shOk(script: string): string {
  const r = sh(script);
  if (r.status !== 0) throw new Error(`script failed (${r.status}):\n${script}\n${r.stderr}\n${r.stdout}\n--- server:\n${server.output().slice(-2000)}`);
  return r.stdout;
}

/** A new key and a DER CSR in base64, as RFC 7030 §4.2.1 wants the body. */
const newCsr = (name: string, subj: string, extra = "") => shOk(`openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout ${name}.key -subj '${subj}' ${extra} -outform DER 2>/dev/null | base64 > ${name}.b64`);

/** POSTs a CSR; the certificate (PEM) lands in OUT.pem on 200. Returns the HTTP status. */
function post(op: "simpleenroll" | "simplereenroll", csr: string, out: string, curlAuth: string): string {
  return shOk(`code=$(curl -sS --cacert root.pem ${curlAuth} -H 'Content-Type: application/pkcs10' --data-binary @${csr}.b64 -o ${out}.p7 -D ${out}.headers -w '%{http_code}' "$BASE/${op}")
if [ "$code" = 200 ]; then base64 -d < ${out}.p7 | openssl pkcs7 -inform DER -print_certs -out ${out}.pem; fi
echo -n "$code"`);
}

const serialOf = (pem: string) => BigInt(`0x${/serial=([0-9A-F]+)/.exec(shOk(`openssl x509 -in ${pem} -noout -serial`))![1]}`);
const statusOf = async (serial: bigint) => (await db().certificate.findFirstOrThrow({ where: { serial, issuer: { name: "est-ca" } }, select: { status: true } })).status;

beforeAll(async () => {
  const root = await createIssuer(admin, { name: "est-root", keyType: "ec-p256" });
  await createIssuer(admin, { name: "est-ca", keyType: "ec-p256", parent: "est-root" });
  await createIssuer(admin, { name: "other-ca", keyType: "ec-p256" });
  files.write("root.pem", pemEncode("CERTIFICATE", root.certificateDer));
  // The listener's own certificate comes from est-ca too, and renews itself when asked.
  server = await startFastPathServer({ https: { issuer: "est-ca", checkSeconds: 0.3 } });
  base = `https://localhost:${await server.httpsPort()}/.well-known/est/est-ca`;
  // The enrolment secret as an operator gets it: the CLI prints it alone on stdout, once.
  const cli = spawnSync(process.execPath, [path.join(process.cwd(), "bin/rootline.mjs"), "est", "secret", "--issuer", "est-ca"], { encoding: "utf8", env: process.env, timeout: 20_000 });
  expect(cli.stderr).toMatch(/shown once/);
  secret = cli.stdout.trim();
  expect(secret).toMatch(/^est_[A-Za-z0-9_-]{43}$/);
}, 40_000);

afterAll(async () => {
  await server?.stop();
});

describe("EST over the HTTPS listener, with curl and openssl", () => {
  it("cacerts: the issuer's chain as base64 certs-only PKCS#7", () => {
    const out = shOk(`curl -sS --cacert root.pem -D cacerts.headers "$BASE/cacerts" | base64 -d | openssl pkcs7 -inform DER -print_certs -out cacerts.pem
grep -i '^subject' cacerts.pem; cat cacerts.headers`);
    expect(out).toMatch(/subject=CN = est-ca\n.*subject=CN = est-root/s);
    expect(out).toMatch(/content-type: application\/pkcs7-mime\r?\n/i);
    expect(out).toMatch(/content-transfer-encoding: base64/i);
  });

  it("simpleenroll with the enrolment secret: a certificate of the requested identity that verifies against cacerts", async () => {
    newCsr("dev1", "/CN=device-1", "-addext subjectAltName=DNS:device-1.example");
    expect(post("simpleenroll", "dev1", "dev1", "-u est:$SECRET")).toBe("200");
    expect(shOk("cat dev1.headers")).toMatch(/content-type: application\/pkcs7-mime; smime-type=certs-only/i);
    expect(shOk("openssl verify -CAfile cacerts.pem dev1.pem")).toMatch(/dev1.pem: OK/);
    const text = shOk("openssl x509 -in dev1.pem -noout -subject -ext subjectAltName,extendedKeyUsage");
    expect(text).toMatch(/subject=CN = device-1/);
    expect(text).toMatch(/DNS:device-1.example/);
    expect(text).toMatch(/TLS Web Server Authentication, TLS Web Client Authentication/); // profile both
    const row = await db().certificate.findFirstOrThrow({ where: { serial: serialOf("dev1.pem"), issuer: { name: "est-ca" } }, select: { id: true, profile: true } });
    expect(row.profile).toBe("both");
    const audit = await db().auditEvent.findFirstOrThrow({ where: { action: "certificate.issue", targetId: row.id } });
    expect(audit.actor).toMatch(/est:est-ca\/est_/);
  });

  it("simpleenroll refuses what it should, with the status and a reason naming the field", () => {
    const status = (auth: string, extra = "", url = "$BASE/simpleenroll") => shOk(`curl -sS --cacert root.pem ${auth} ${extra} -o refusal.txt -D refusal.headers -w '%{http_code}' "${url}"`);
    expect(status("-u est:est_wrong", "-H 'Content-Type: application/pkcs10' --data-binary @dev1.b64")).toBe("401");
    expect(shOk("cat refusal.headers")).toMatch(/www-authenticate: Basic realm="est\/est-ca"/i);
    expect(status("", "-H 'Content-Type: application/pkcs10' --data-binary @dev1.b64")).toBe("401");
    expect(status("-u est:$SECRET", "-H 'Content-Type: application/pkcs10' --data-binary 'not base64!'")).toBe("400");
    expect(shOk("cat refusal.txt")).toMatch(/^csr: /);
    expect(status("-u est:$SECRET", "-H 'Content-Type: application/pkcs10' --data-binary 'AAAA'")).toBe("400");
    expect(shOk("cat refusal.txt")).toMatch(/^csr: the CSR is malformed/);
    expect(status("-u est:$SECRET", "--data-binary @dev1.b64")).toBe("415"); // curl's default form type
    expect(status("-u est:$SECRET", "-H 'Content-Type: application/pkcs10' --data-binary @dev1.b64", "${BASE%/est-ca}/nope/simpleenroll")).toBe("404");
  });

  it("simplereenroll over mutual TLS: same subject and SANs, new key, new serial; the old one is superseded", async () => {
    newCsr("dev1-next", "/CN=device-1");
    expect(post("simplereenroll", "dev1-next", "dev1-next", "--cert dev1.pem --key dev1.key")).toBe("200");
    const text = shOk("openssl x509 -in dev1-next.pem -noout -subject -ext subjectAltName");
    expect(text).toMatch(/subject=CN = device-1/);
    expect(text).toMatch(/DNS:device-1.example/); // the old certificate's SANs, though the CSR asked for none
    expect(serialOf("dev1-next.pem")).toBeGreaterThan(serialOf("dev1.pem"));
    expect(await statusOf(serialOf("dev1.pem"))).toBe("superseded");
    // The superseded certificate authenticates nothing more; the same key is not a new one.
    newCsr("dev1-again", "/CN=device-1");
    expect(post("simplereenroll", "dev1-again", "x", "--cert dev1.pem --key dev1.key")).toBe("403");
    shOk("openssl req -new -key dev1-next.key -subj /CN=device-1 -outform DER | base64 > same-key.b64");
    expect(post("simplereenroll", "same-key", "x", "--cert dev1-next.pem --key dev1-next.key")).toBe("400");
    newCsr("renamed", "/CN=device-9");
    expect(post("simplereenroll", "renamed", "x", "--cert dev1-next.pem --key dev1-next.key")).toBe("400");
    expect(shOk("cat x.p7")).toMatch(/^csr: .*subject stays/);
  });

  it("simplereenroll without a client certificate, or with one another CA issued, is refused", () => {
    newCsr("stranger", "/CN=device-1");
    expect(post("simplereenroll", "stranger", "x", "")).toBe("403");
    expect(shOk("cat x.p7")).toMatch(/^certificate: .*present it in the TLS handshake/);
    // A self-made certificate with the same subject and a serial that exists at est-ca.
    shOk(`openssl req -x509 -new -key stranger.key -subj /CN=device-1 -set_serial 2 -days 1 -out stranger.pem`);
    expect(post("simplereenroll", "stranger", "x", "--cert stranger.pem --key stranger.key")).toBe("403");
    expect(shOk("cat x.p7")).toMatch(/was not issued by "est-ca"/);
  });

  it("re-enrolment answers a renew-first prefix revocation: the renewal requests settle (via est) and the RN moves", async () => {
    newCsr("dev2", "/CN=device-2");
    expect(post("simpleenroll", "dev2", "dev2", "-u est:$SECRET")).toBe("200");
    const dev1 = serialOf("dev1-next.pem");
    const dev2 = serialOf("dev2.pem");
    const started = await startRevocation(admin, { issuer: "est-ca", serial: dev2, reason: "superseded", order: "renew-first" });
    expect(started.awaiting).toEqual(expect.arrayContaining([dev1, dev2]));
    // dev2's own certificate is revoked now, yet it re-enrols: that is what the request asks for.
    newCsr("dev2-next", "/CN=device-2");
    expect(post("simplereenroll", "dev2-next", "dev2-next", "--cert dev2.pem --key dev2.key")).toBe("200");
    newCsr("dev1-third", "/CN=device-1");
    expect(post("simplereenroll", "dev1-third", "dev1-third", "--cert dev1-next.pem --key dev1-next.key")).toBe("200");
    const requests = await db().renewalRequest.findMany({ where: { revocationId: started.id }, select: { serial: true, status: true, renewedVia: true } });
    expect(requests.filter((r) => r.serial === dev1 || r.serial === dev2).map((r) => r.renewedVia)).toEqual(["est", "est"]);
    // The rest are the listener's own certificate, which renews itself; then the revocation completes by itself.
    await expect.poll(async () => (await db().revocation.findUniqueOrThrow({ where: { id: started.id } })).status, { timeout: 5_000, interval: 100 }).toBe("completed");
    expect((await db().issuer.findUniqueOrThrow({ where: { name: "est-ca" } })).revocationNumber).toBe(dev2 + 1n);
    expect(shOk(`curl -sS --cacert root.pem -o /dev/null -w '%{http_code}' "$BASE/cacerts"`)).toBe("200");
  });

  it("a certificate revoked for keyCompromise cannot re-enrol, even with a renewal pending", async () => {
    newCsr("dev3", "/CN=device-3");
    expect(post("simpleenroll", "dev3", "dev3", "-u est:$SECRET")).toBe("200");
    const dev3 = serialOf("dev3.pem");
    await startRevocation(admin, { issuer: "est-ca", serial: dev3, reason: "keyCompromise", order: "renew-first" });
    newCsr("dev3-next", "/CN=device-3");
    expect(post("simplereenroll", "dev3-next", "x", "--cert dev3.pem --key dev3.key")).toBe("403");
    expect(shOk("cat x.p7")).toMatch(/keyCompromise/);
    expect(await db().renewalRequest.findFirstOrThrow({ where: { serial: dev3, revocation: { issuer: { name: "est-ca" } } }, select: { status: true } })).toEqual({ status: "pending" });
  });
});
