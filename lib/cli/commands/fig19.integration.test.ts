import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { issueCertificate } from "../../certificates/issue";
import { requestFromCsr } from "../../certificates/request";
import { deviceCheck, deviceFetch, deviceTrust } from "./deviceRun";
import { startHttpServer, startTlsServer, type RunningServer } from "../../test/device";
import { createIssuer } from "../../issuers/service";
import { addDays } from "../../issuers/validity";
import { pemEncode } from "../../pki/pem";
import { caCertificate, revocationInfoDer } from "../../repository/documents";
import { serveTlsRepository } from "../../repository/tlsService";
import { makeCsr } from "../../test/csr";
import { startRevocation } from "../../revocation/prefix";
import { renewWithToken } from "../../revocation/renewal";
import { revocationStatus } from "../../revocation/status";
import { runSweep } from "../../revocation/sweep";

/**
 * Seed 000, FIG. 19, end to end with every part real: certificates issued by Rootline's
 * issuance pipeline into the database, the repository documents the app serves, real
 * TLS servers holding those certificates, and the device library judging them.
 * RFC 5280 serials are positive, so every seed number is shifted by one:
 *   A,B,C,D = 1..4; C compromised; renewals 5,6,7; RN 4; D renews (8); RN 5.
 */
const CA = "fig19-app";
const op = { kind: "user", name: "op@x", role: "operator" } as const;
// A..D were issued months ago, so D's expiry comes before anything issued today.
const EARLIER = addDays(new Date(), -200);

let dir: string;
let state: string;
let repo: RunningServer & { url: string };
const servers = new Map<string, RunningServer & { cert: Uint8Array }>();

async function holder(name: string, now?: Date) {
  const csr = await makeCsr(`${name}.example`);
  // The device checks the host it connects to (127.0.0.1) against the SANs.
  const cert = await issueCertificate(op, CA, await requestFromCsr({ csr: csr.pem, sans: [`DNS:${name}.example`, "IP:127.0.0.1"] }), { now });
  const keyPkcs8 = new Uint8Array(await crypto.subtle.exportKey("pkcs8", csr.keys.privateKey));
  return { cert, keyPkcs8 };
}

async function serve(label: string, h: { cert: { der: Uint8Array }; keyPkcs8: Uint8Array }) {
  await servers.get(label)?.close();
  const s = await startTlsServer({ certDer: h.cert.der, keyPkcs8: h.keyPkcs8 });
  servers.set(label, { ...s, cert: h.cert.der });
}

const check = async (label: string) => (await deviceCheck({ host: "127.0.0.1", port: String(servers.get(label)!.port), state })).stdout.trim();
const fetchRn = async (stateFile = state) => JSON.parse((await deviceFetch({ repository: `${repo.url}/api/repository`, issuer: CA, state: stateFile })).stdout);

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "fig19-app-"));
  state = path.join(dir, "device.json");
  await createIssuer({ kind: "cli", name: "t", role: "administrator" }, { name: CA, keyType: "ec-p256" });
  // The repository: the same documents /api/repository serves, on a real HTTP server.
  repo = await startHttpServer((req, res) => {
    if (req.url !== `/api/repository/${CA}/revocation-info.der`) return void res.writeHead(404).end();
    revocationInfoDer(CA).then((d) => res.writeHead(200, { "Content-Type": d.contentType }).end(Buffer.from(d.body)), () => res.writeHead(500).end());
  });
  const caFile = path.join(dir, "ca.der");
  fs.writeFileSync(caFile, (await caCertificate(CA, "der")).body);
  expect(JSON.parse((await deviceTrust({ ca: caFile, state })).stdout)).toMatchObject({ revocationNumber: 0 });
});

afterAll(async () => {
  for (const s of servers.values()) await s.close();
  await repo?.close();
});

describe("FIG. 19 with app-issued certificates, the app's repository and real TLS", () => {
  const tokens = new Map<bigint, string>();
  const held: Record<string, Awaited<ReturnType<typeof holder>>> = {};

  it("A, B, C, D get serials 1..4 and devices accept all four", async () => {
    for (const n of ["A", "B", "C", "D"]) {
      held[n] = await holder(n, EARLIER);
      await serve(n, held[n]);
    }
    expect(Object.values(held).map((h) => h.cert.serial)).toEqual([1n, 2n, 3n, 4n]);
    expect(await fetchRn()).toMatchObject({ result: "unchanged", revocationNumber: 0 });
    for (const n of ["A", "B", "C", "D"]) expect(await check(n)).toBe("valid");
  });

  it("C is compromised (renew-first): until the replacements exist, the RN stays and devices still accept C", async () => {
    const r = await startRevocation(op, { issuer: CA, serial: 3n, reason: "keyCompromise", order: "renew-first" });
    for (const t of r.tokens) tokens.set(t.serial, t.token);
    expect([...tokens.keys()]).toEqual([1n, 2n, 3n]);
    expect(await fetchRn()).toMatchObject({ result: "unchanged", revocationNumber: 0 });
    // The exposure window of renew-first, as the UI explains it.
    await serve("spoofer", held.C);
    expect(await check("spoofer")).toBe("valid");
  });

  it("A, B, C renew (5, 6, 7); the RN becomes 4; the spoofer with C's old certificate is rejected, D is not", async () => {
    for (const [n, serial] of [["A", 1n], ["B", 2n], ["C", 3n]] as const) {
      const csr = await makeCsr(`${n}.example`);
      const r = await renewWithToken({ token: tokens.get(serial)!, csr: csr.pem });
      held[`${n}2`] = { cert: r.replacement, keyPkcs8: new Uint8Array(await crypto.subtle.exportKey("pkcs8", csr.keys.privateKey)) };
      await serve(`${n}2`, held[`${n}2`]);
    }
    expect([held.A2, held.B2, held.C2].map((h) => h.cert.serial)).toEqual([5n, 6n, 7n]);
    expect((await revocationStatus(CA)).revocationNumber).toBe(4n);
    expect(await fetchRn()).toMatchObject({ result: "updated", previous: 0, revocationNumber: 4 });
    expect(await check("spoofer")).toBe("revoked");
    expect(await check("A")).toBe("revoked");
    expect(await check("D")).toBe("valid");
    for (const n of ["A2", "B2", "C2"]) expect(await check(n)).toBe("valid");
    // A replayed old revocation information (RN 0) would now be discarded as false: covered by lib/device tests.
  });

  it("the second form: the TLS repository, with its own app-issued certificate, serves the bare RN", async () => {
    const tlsRepo = await serveTlsRepository({ issuer: CA, port: 0, host: "127.0.0.1" });
    try {
      const bare = path.join(dir, "bare.json");
      fs.copyFileSync(path.join(dir, "ca.der"), path.join(dir, "ca2.der"));
      await deviceTrust({ ca: path.join(dir, "ca2.der"), state: bare, issuer: CA });
      const out = JSON.parse((await deviceFetch({ repository: tlsRepo.url, issuer: CA, state: bare, bare: true })).stdout);
      expect(out).toMatchObject({ result: "updated", revocationNumber: 4 });
      expect(Number(out.repositorySerial)).toBeGreaterThanOrEqual(4);
    } finally {
      await tlsRepo.stop();
    }
  });

  it("D nears expiry: the sweep asks D to renew; D renews; the RN becomes D's serial + 1; devices drop D's old certificate", async () => {
    const [report] = await runSweep({ issuer: CA, now: addDays(held.D.cert.notAfter, -10) });
    expect(report.opened?.serial).toBe(4n);
    const csr = await makeCsr("D.example");
    const r = await renewWithToken({ token: report.opened!.tokens[0].token, csr: csr.pem });
    await serve("D2", { cert: r.replacement, keyPkcs8: new Uint8Array(await crypto.subtle.exportKey("pkcs8", csr.keys.privateKey)) });
    expect((await revocationStatus(CA)).revocationNumber).toBe(5n);
    expect(await fetchRn()).toMatchObject({ result: "updated", previous: 4, revocationNumber: 5 });
    expect(await check("D")).toBe("revoked");
    expect(await check("D2")).toBe("valid");
    expect(pemEncode("CERTIFICATE", r.replacement.der)).toContain("BEGIN CERTIFICATE");
  });
});
