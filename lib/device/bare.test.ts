import https from "node:https";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { InputError } from "../errors";
import { pemEncode } from "../pki/pem";
import { startTlsRepository, type TlsRepository } from "../revocation/tlsRepository";
import { refreshRevocationNumber } from "./remote";
import { applyBare } from "./update";
import { emptyState, raiseRevocationNumber, trust, type DeviceState } from "./state";
import { deadPort, issueLeaf, makeCa, type TestCa, type TestLeaf } from "../test/device";

/**
 * Second form end to end: a REAL TLS repository (lib/revocation/tlsRepository.ts) whose
 * certificate has serial 10, and the device's rule  stored < new <= repository serial.
 */

let ca: TestCa;
let otherCa: TestCa;
let impostor: TestCa;
let repoCert: TestLeaf;
let repo: TlsRepository;
let served = 0n;
let requests = 0;

beforeAll(async () => {
  [ca, otherCa, impostor] = await Promise.all([makeCa("CN=Bare CA"), makeCa("CN=Other CA"), makeCa("CN=Bare CA")]);
  repoCert = await issueLeaf(ca, 10n, { profile: "repository", subject: "CN=repository" });
  repo = await startTlsRepository({
    port: 0,
    certDer: repoCert.certDer,
    keyPkcs8: repoCert.keyPkcs8,
    getRevocationNumber: async (name) => {
      requests++;
      return name === "bare-ca" ? served : null;
    },
  });
});
afterAll(() => repo.close());

function stateWith(rn: bigint, name: string | null = "bare-ca"): DeviceState {
  const s = trust(emptyState(), ca.certDer, name).state;
  return rn === 0n ? s : raiseRevocationNumber(s, s.cas[0].keySha256, rn);
}

async function bareFetch(state: DeviceState, rn: bigint, issuer = "bare-ca", url = repo.url) {
  served = rn;
  requests = 0;
  return refreshRevocationNumber(state, { repository: url, issuer, bare: true, timeoutMs: 5000 });
}

describe("second form: bare RN from an authenticated TLS repository (serial 10)", () => {
  it.each<[string, bigint, bigint, string, bigint]>([
    ["stored < new < repository serial: stored", 0n, 4n, "updated", 4n],
    ["new == repository serial: stored (the bound is inclusive)", 4n, 10n, "updated", 10n],
    ["new > repository serial: false, would revoke the repository itself", 4n, 11n, "rejected-above-repository", 4n],
    ["new < stored: discarded", 6n, 5n, "rejected-smaller", 6n],
    ["new == stored: nothing changes", 6n, 6n, "unchanged", 6n],
  ])("%s", async (_n, stored, offered, result, after) => {
    const before = stateWith(stored);
    const r = await bareFetch(before, offered);
    expect(r.outcome).toMatchObject({ result, form: "bare", previous: stored, received: offered, revocationNumber: after, repositorySerial: 10n });
    expect(r.state.cas[0].revocationNumber).toBe(after);
    if (result !== "updated") expect(r.state).toBe(before);
  });

  it("rejects a repository whose certificate serial is below the stored RN, without asking it anything", async () => {
    const r = await bareFetch(stateWith(11n), 12n);
    expect(r.outcome).toMatchObject({ result: "repository-rejected", code: "revoked", revocationNumber: 11n });
    expect(requests).toBe(0);
  });

  it("rejects a repository certified by another CA (unknown issuer), without asking it anything", async () => {
    const s = trust(emptyState(), otherCa.certDer).state;
    const r = await bareFetch(s, 3n);
    expect(r.outcome).toMatchObject({ result: "repository-rejected", code: "unknown-issuer" });
    expect(requests).toBe(0);
  });

  it("rejects a repository whose certificate carries the CA's name but another key's signature", async () => {
    const forged = await issueLeaf(impostor, 99n, { profile: "repository" });
    const fake = await startTlsRepository({ port: 0, certDer: forged.certDer, keyPkcs8: forged.keyPkcs8, getRevocationNumber: async () => 50n });
    try {
      const r = await bareFetch(stateWith(0n), 50n, "bare-ca", fake.url);
      expect(r.outcome).toMatchObject({ result: "repository-rejected", code: "signature", revocationNumber: 0n });
    } finally {
      await fake.close();
    }
  });

  it("refuses to apply another issuer's RN to the repository's CA when the CA's name is known", async () => {
    const r = await bareFetch(stateWith(0n, "bare-ca"), 5n, "someone-else");
    expect(r.outcome).toMatchObject({ result: "wrong-issuer" });
    expect(r.state.cas[0].revocationNumber).toBe(0n);
    expect(requests).toBe(0);
    // The rule also holds where the decision is made (applyBare), should the name be learned meanwhile.
    const raced = await applyBare(stateWith(0n, "bare-ca"), "someone-else", repoCert.certDer, new Uint8Array(Buffer.from("5\n")));
    expect(raced.outcome).toMatchObject({ result: "wrong-issuer", revocationNumber: 0n });
  });

  it("refuses plain http for the bare form (SPEC 2.2)", async () => {
    await expect(bareFetch(stateWith(0n), 3n, "bare-ca", `http://127.0.0.1:${repo.port}`)).rejects.toThrow(InputError);
  });

  it("treats a non-numeric body from an authenticated repository as malformed", async () => {
    const server = https.createServer({ cert: pemEncode("CERTIFICATE", repoCert.certDer), key: pemEncode("PRIVATE KEY", repoCert.keyPkcs8) }, (_q, res) => res.end("7 or so\n"));
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    try {
      const r = await bareFetch(stateWith(0n), 0n, "bare-ca", `https://127.0.0.1:${(server.address() as AddressInfo).port}`);
      expect(r.outcome).toMatchObject({ result: "malformed", revocationNumber: 0n });
    } finally {
      await new Promise<void>((r) => {
        server.close(() => r());
        server.closeAllConnections();
      });
    }
  });

  it("an unreachable repository changes nothing; a 404 neither", async () => {
    const before = stateWith(2n);
    const dead = await bareFetch(before, 5n, "bare-ca", `https://127.0.0.1:${await deadPort()}`);
    expect(dead.outcome.result).toBe("unreachable");
    expect(dead.state).toBe(before);
    const unknown = await bareFetch(stateWith(2n, null), 5n, "nobody");
    expect(unknown.outcome.result).toBe("unreachable");
    expect(unknown.outcome.detail).toContain("404");
  });
});
