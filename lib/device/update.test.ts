import type http from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseDer } from "../pki/der";
import { spkiSha256Hex } from "../pki/keys";
import { signRevocationInfo } from "../revocation-info/info";
import { encodeRevocationInfo, encodeSignedRevocationInfo } from "../revocation-info/infoDer";
import { MAX_RESPONSE_BYTES } from "./http";
import { refreshRevocationNumber } from "./remote";
import { emptyState, raiseRevocationNumber, trust, type DeviceState } from "./state";
import { deadPort, makeCa, startHttpServer, type RunningServer, type TestCa } from "../test/device";
import { decide } from "./update";

/**
 * The update rules of the first form, end to end: a real node:http repository on
 * 127.0.0.1 serves whatever each case sets, the device fetches it and applies the rule.
 */

let ca: TestCa;
let attacker: TestCa;
let server: RunningServer & { url: string };
/** What the repository answers next. */
let respond: http.RequestListener = (_q, r) => r.end();
let lastPath = "";

beforeAll(async () => {
  [ca, attacker] = await Promise.all([makeCa("CN=Update CA"), makeCa("CN=Attacker CA")]);
  server = await startHttpServer((q, r) => {
    lastPath = q.url ?? "";
    respond(q, r);
  });
});
afterAll(() => server.close());

const signed = (rn: bigint, c: TestCa = ca) => signRevocationInfo({ issuerName: "update-ca", issuerCertDer: c.certDer, privateKey: c.keyPkcs8, revocationNumber: rn });
const serve = (body: Uint8Array | string, type = "application/octet-stream"): http.RequestListener => (_q, r) => {
  r.writeHead(200, { "content-type": type });
  r.end(body);
};

/** A device that was installed with the CA and its issuer name (`device trust --issuer update-ca`). */
function stateWith(rn: bigint): DeviceState {
  const s = trust(emptyState(), ca.certDer, "update-ca").state;
  return rn === 0n ? s : raiseRevocationNumber(s, s.cas[0].keySha256, rn);
}

const repository = () => `${server.url}/api/repository`;

async function fetchWith(stored: bigint, handler: http.RequestListener, o: { timeoutMs?: number } = {}) {
  respond = handler;
  const before = stateWith(stored);
  const r = await refreshRevocationNumber(before, { repository: repository(), issuer: "update-ca", ...o });
  return { ...r, before, after: r.state.cas[0].revocationNumber };
}

/** The last byte of the tbs is the RN's value (RN 9: `02 01 09`). */
const lastTbsByte = (der: Uint8Array): number => parseDer(der).children()[0].end - 1;

function flip(bytes: Uint8Array, at: number): Uint8Array {
  const t = new Uint8Array(bytes);
  t[at] ^= 0x01;
  return t;
}

describe("decide (the comparison)", () => {
  it.each<[bigint, bigint, bigint | undefined, string]>([
    [0n, 3n, undefined, "updated"],
    [3n, 3n, undefined, "unchanged"],
    [3n, 2n, undefined, "rejected-smaller"],
    [3n, 9n, 9n, "updated"],
    [3n, 10n, 9n, "rejected-above-repository"],
    [3n, 2n, 9n, "rejected-smaller"],
  ])("stored %s, received %s, ceiling %s → %s", (stored, received, ceiling, want) => {
    expect(decide(stored, received, ceiling)).toBe(want);
  });
});

describe("first form over a real HTTP repository", () => {
  it("fetches {repository}/{issuer}/revocation-info.der", async () => {
    await fetchWith(0n, serve(signed(1n).der));
    expect(lastPath).toBe("/api/repository/update-ca/revocation-info.der");
  });

  it.each<[string, bigint, () => http.RequestListener, string, bigint]>([
    ["a larger RN is stored", 0n, () => serve(signed(3n).der), "updated", 3n],
    ["a larger RN is stored (JSON form)", 3n, () => serve(JSON.stringify(signed(5n).json), "application/json"), "updated", 5n],
    ["a smaller RN is discarded as false", 5n, () => serve(signed(3n).der), "rejected-smaller", 5n],
    ["an equal RN changes nothing", 5n, () => serve(signed(5n).der), "unchanged", 5n],
    ["a flipped signature byte is rejected", 0n, () => serve(flip(signed(9n).der, signed(9n).der.length - 5)), "bad-signature", 0n],
    ["a flipped tbs byte (the RN) is rejected", 0n, () => serve(flip(signed(9n).der, lastTbsByte(signed(9n).der))), "bad-signature", 0n],
    ["information signed by an untrusted CA", 0n, () => serve(signed(9n, attacker).der), "unknown-issuer", 0n],
    ["information naming the trusted CA but signed by another key", 0n, () => serve(forgedFor(ca, attacker, 9n)), "bad-signature", 0n],
    ["a truncated body", 0n, () => serve(signed(9n).der.subarray(0, 60)), "malformed", 0n],
    ["a garbage body", 0n, () => serve("<html>maintenance</html>"), "malformed", 0n],
    ["an empty body", 0n, () => serve(new Uint8Array(0)), "malformed", 0n],
    ["HTTP 404", 3n, () => (_q, r) => r.writeHead(404).end("no"), "unreachable", 3n],
    ["HTTP 500", 3n, () => (_q, r) => r.writeHead(500).end(), "unreachable", 3n],
    ["a redirect (not followed)", 3n, () => (_q, r) => r.writeHead(302, { location: "/elsewhere" }).end(), "unreachable", 3n],
  ])("%s", async (_name, stored, handler, result, after) => {
    const r = await fetchWith(stored, handler());
    expect(r.outcome.result).toBe(result);
    expect(r.after).toBe(after);
    expect(r.outcome.previous).toBe(stored);
    expect(r.outcome.revocationNumber).toBe(after);
    if (result !== "updated") expect(r.state).toBe(r.before); // not even a copy: nothing changed
  });

  it("learns the issuer name from verified information", async () => {
    respond = serve(signed(2n).der);
    const unnamed = trust(emptyState(), ca.certDer).state;
    const failed = await refreshRevocationNumber(unnamed, { repository: `http://127.0.0.1:${await deadPort()}`, issuer: "update-ca" });
    // Before, the device cannot tell which CA "update-ca" is: nothing to report.
    expect(failed.outcome).toMatchObject({ result: "unreachable", previous: null, revocationNumber: null });
    const r = await refreshRevocationNumber(unnamed, { repository: repository(), issuer: "update-ca" });
    expect(r.state.cas[0]).toMatchObject({ issuerName: "update-ca", revocationNumber: 2n });
  });

  it("cuts off a huge body after the cap without buffering it (no Content-Length)", async () => {
    let written = 0;
    let closedEarly = false;
    const chunk = Buffer.alloc(64 * 1024, 0x41);
    const r = await fetchWith(2n, (_q, res) => {
      res.writeHead(200, { "content-type": "application/octet-stream" }); // chunked: no length announced
      const total = 256 * 1024 * 1024;
      const pump = (): void => {
        while (written < total) {
          written += chunk.length;
          if (!res.write(chunk)) return void res.once("drain", pump);
        }
        res.end();
      };
      res.on("close", () => (closedEarly = written < total));
      pump();
    });
    expect(r.outcome).toMatchObject({ result: "malformed" });
    expect(r.outcome.detail).toContain(`exceeds ${MAX_RESPONSE_BYTES} bytes`);
    expect(r.after).toBe(2n);
    await new Promise((res) => setTimeout(res, 50));
    expect(closedEarly).toBe(true); // the device hung up long before 256 MiB
    expect(written).toBeLessThan(32 * 1024 * 1024);
  });

  it("refuses an announced oversized body before reading it", async () => {
    const r = await fetchWith(2n, (_q, res) => {
      res.writeHead(200, { "content-length": String(10 * 1024 * 1024) });
      res.write(Buffer.alloc(1024));
    });
    expect(r.outcome).toMatchObject({ result: "malformed" });
    expect(r.outcome.detail).toContain("announces");
  });

  it("an unreachable repository changes nothing (connection refused)", async () => {
    const before = stateWith(4n);
    const r = await refreshRevocationNumber(before, { repository: `http://127.0.0.1:${await deadPort()}`, issuer: "update-ca" });
    expect(r.outcome.result).toBe("unreachable");
    expect(r.state).toBe(before);
  });

  it("a repository that never answers times out as unreachable and changes nothing", async () => {
    const t0 = Date.now();
    const r = await fetchWith(4n, () => {}, { timeoutMs: 300 });
    expect(r.outcome.result).toBe("unreachable");
    expect(r.outcome.detail).toContain("300 ms");
    expect(Date.now() - t0).toBeLessThan(3000);
    expect(r.after).toBe(4n);
  });

  it("a body cut short of its Content-Length is not taken for complete", async () => {
    const der = signed(9n).der;
    const r = await fetchWith(1n, (_q, res) => {
      res.writeHead(200, { "content-length": String(der.length) });
      res.write(der.subarray(0, 50));
      setTimeout(() => res.socket?.destroy(), 20);
    });
    expect(["unreachable", "malformed"]).toContain(r.outcome.result);
    expect(r.after).toBe(1n);
  });
});

/** A statement that names `victim`'s key but carries `signer`'s signature. */
function forgedFor(victim: TestCa, signer: TestCa, rn: bigint): Uint8Array {
  const tbs = encodeRevocationInfo({ issuerName: "update-ca", issuerKeySha256: Buffer.from(spkiSha256Hex(victim.signer.certificate.spki), "hex"), revocationNumber: rn });
  return encodeSignedRevocationInfo(tbs, signer.signer.scheme.algorithmIdentifier, signer.signer.sign(tbs));
}
