import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { pemEncode } from "../../pki/pem";
import { signRevocationInfo } from "../../revocation-info/info";
import { deviceCheck, deviceFetch, deviceTrust } from "./deviceRun";
import { issueLeaf, makeCa, startHttpServer, startTlsServer, type RunningServer, type TestCa, type TestLeaf } from "../../test/device";

/**
 * Seed 000, FIG. 19, at the device level, through the `rootline device` command logic:
 * a real state file, a real HTTP repository publishing signed revocation information,
 * and a real TLS server per certificate.
 *
 * The seed numbers serials from 0; lib/pki issues RFC 5280 serials, which are positive
 * (it refuses 0), so every serial and RN here is the seed's plus one:
 *   seed A,B,C,D = 0,1,2,3 → here 1,2,3,4;  renewals 4,5,6 → 5,6,7;  RN 3 → 4;
 *   D's renewal 7 → 8;  RN 4 → 5.
 */

let ca: TestCa;
let rn = 0n; // what the CA currently publishes
let repository: RunningServer & { url: string };
const servers: RunningServer[] = [];
let stateFile: string;

async function serve(leaf: TestLeaf): Promise<string> {
  const s = await startTlsServer(leaf);
  servers.push(s);
  return String(s.port);
}

const check = async (port: string) => (await deviceCheck({ host: "127.0.0.1", port, state: stateFile })).stdout.trim();
const fetchRn = async () => JSON.parse((await deviceFetch({ repository: `${repository.url}/api/repository`, issuer: "fig19", state: stateFile })).stdout);

beforeAll(async () => {
  ca = await makeCa("CN=FIG19 CA");
  // The repository signs the current RN on every request, as the app's route will.
  repository = await startHttpServer((req, res) => {
    if (req.url !== "/api/repository/fig19/revocation-info.der") return void res.writeHead(404).end();
    const info = signRevocationInfo({ issuerName: "fig19", issuerCertDer: ca.certDer, privateKey: ca.keyPkcs8, revocationNumber: rn });
    res.writeHead(200, { "content-type": "application/octet-stream" }).end(info.der);
  });
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "rootline-fig19-"));
  stateFile = path.join(dir, "device.json");
  const caFile = path.join(dir, "ca.pem");
  fs.writeFileSync(caFile, pemEncode("CERTIFICATE", ca.certDer));
  await deviceTrust({ ca: caFile, state: stateFile });
});
afterAll(() => Promise.all([repository.close(), ...servers.map((s) => s.close())]));

describe("FIG. 19: four servers, C compromised, later D expires", () => {
  it("runs the seed's example", async () => {
    // A, B, C, D are installed with serials 1..4 (seed: 0..3).
    const [A, B, C, D] = await Promise.all([1n, 2n, 3n, 4n].map((s) => issueLeaf(ca, s, { subject: `CN=server-${"ABCD"[Number(s) - 1]}` })));
    const [a, b, c, d] = await Promise.all([A, B, C, D].map(serve));
    expect(await fetchRn()).toMatchObject({ result: "unchanged", revocationNumber: 0 });
    for (const p of [a, b, c, d]) expect(await check(p)).toBe("valid");

    // Time e: C's key is compromised. A, B and C (serial <= 3) renew: 5, 6, 7 (seed 4, 5, 6).
    const [A2, B2, C2] = await Promise.all([5n, 6n, 7n].map((s) => issueLeaf(ca, s)));
    const [a2, b2, c2] = await Promise.all([A2, B2, C2].map(serve));
    // Until the RN moves, the old C still passes: the window the seed's order accepts.
    expect(await check(c)).toBe("valid");

    // All renewed: RN := 3 + 1 = 4 (seed 3), signed and published; the device fetches it.
    rn = 4n;
    expect(await fetchRn()).toMatchObject({ result: "updated", revocationNumber: 4, previous: 0 });

    // A spoofer with C's OLD certificate and key (serial 3, seed 2) is refused.
    const spoofer = await serve(C);
    expect(await check(spoofer)).toBe("revoked");
    expect(await check(c)).toBe("revoked");
    expect(await check(a)).toBe("revoked");
    expect(await check(b)).toBe("revoked");
    // D (4, seed 3) is untouched; the renewed A, B, C are valid.
    expect(await check(d)).toBe("valid");
    for (const p of [a2, b2, c2]) expect(await check(p)).toBe("valid");

    // Later, D nears expiry: it renews (8, seed 7) and the RN becomes 5 (seed 4).
    const D2 = await issueLeaf(ca, 8n);
    const d2 = await serve(D2);
    rn = 5n;
    expect(await fetchRn()).toMatchObject({ result: "updated", revocationNumber: 5, previous: 4 });
    expect(await check(d)).toBe("revoked");
    for (const p of [a2, b2, c2, d2]) expect(await check(p)).toBe("valid");

    // A replayed older statement (RN 4) cannot bring the old D back.
    rn = 4n;
    expect(await fetchRn()).toMatchObject({ result: "rejected-smaller", revocationNumber: 5, received: 4 });
    expect(await check(d)).toBe("revoked");
  });
});
