import { beforeAll, describe, expect, it } from "vitest";
import { judgeServerCertificate } from "./judge";
import { emptyState, raiseRevocationNumber, trust, type DeviceState } from "./state";
import { issueLeaf, makeCa, type TestCa } from "../test/device";

let ca: TestCa;
/** Same subject Name as `ca`, different key: what an impostor CA looks like. */
let impostor: TestCa;
let stranger: TestCa;
let state: DeviceState;

beforeAll(async () => {
  [ca, impostor, stranger] = await Promise.all([makeCa("CN=Judge CA, O=Rootline Test"), makeCa("CN=Judge CA, O=Rootline Test"), makeCa("CN=Stranger CA")]);
  const s = trust(emptyState(), ca.certDer).state;
  state = raiseRevocationNumber(s, s.cas[0].keySha256, 5n); // RN 5
});

describe("judgeServerCertificate (issuer → signature → serial >= RN, no dates)", () => {
  it.each<[string, () => Promise<Uint8Array>, { valid: boolean; code?: string }]>([
    ["serial above the RN", async () => (await issueLeaf(ca, 9n)).certDer, { valid: true }],
    ["serial equal to the RN (the boundary is valid)", async () => (await issueLeaf(ca, 5n)).certDer, { valid: true }],
    ["serial just below the RN", async () => (await issueLeaf(ca, 4n)).certDer, { valid: false, code: "revoked" }],
    ["an issuer the device does not know", async () => (await issueLeaf(stranger, 9n)).certDer, { valid: false, code: "unknown-issuer" }],
    ["the same issuer name, signed by another key", async () => (await issueLeaf(impostor, 9n)).certDer, { valid: false, code: "signature" }],
    [
      "an expired certificate (devices have no clock)",
      async () => (await issueLeaf(ca, 9n, { notBefore: new Date("2000-01-01T00:00:00Z"), notAfter: new Date("2001-01-01T00:00:00Z") })).certDer,
      { valid: true },
    ],
    [
      "a not-yet-valid certificate (devices have no clock)",
      async () => (await issueLeaf(ca, 9n, { notBefore: new Date("2040-01-01T00:00:00Z"), notAfter: new Date("2045-01-01T00:00:00Z") })).certDer,
      { valid: true },
    ],
    ["bytes that are not a certificate", async () => new Uint8Array([0x30, 0x03, 0x02, 0x01, 0x01]), { valid: false, code: "malformed" }],
  ])("%s", async (_name, make, want) => {
    const j = await judgeServerCertificate(state, await make());
    expect(j.valid).toBe(want.valid);
    if (!j.valid) expect(j.code).toBe(want.code);
  });

  it("checks the signature before the serial: a forged certificate with a high serial is `signature`, not valid", async () => {
    const j = await judgeServerCertificate(state, (await issueLeaf(impostor, 1000n)).certDer);
    expect(j).toMatchObject({ valid: false, code: "signature" });
  });

  it("a revoked AND forged certificate reports `signature` (the order of the seed's FIG. 18)", async () => {
    const j = await judgeServerCertificate(state, (await issueLeaf(impostor, 1n)).certDer);
    expect(j).toMatchObject({ valid: false, code: "signature" });
  });

  it("with two trusted CAs of the same name, uses the one whose key verifies, and that CA's RN", async () => {
    let s = trust(state, impostor.certDer).state; // now both are trusted, impostor with RN 0
    const leaf = await issueLeaf(impostor, 2n);
    expect(await judgeServerCertificate(s, leaf.certDer)).toMatchObject({ valid: true });
    s = raiseRevocationNumber(s, s.cas[1].keySha256, 3n);
    expect(await judgeServerCertificate(s, leaf.certDer)).toMatchObject({ valid: false, code: "revoked" });
    // and the first CA's RN (5) still governs its own certificates
    expect(await judgeServerCertificate(s, (await issueLeaf(ca, 5n)).certDer)).toMatchObject({ valid: true });
  });
});
