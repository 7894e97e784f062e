import fc from "fast-check";
import { beforeAll, describe, expect, it } from "vitest";
import { spkiSha256Hex } from "../pki/keys";
import { signRevocationInfo } from "../revocation-info/info";
import { encodeRevocationInfo, encodeSignedRevocationInfo } from "../revocation-info/infoDer";
import { emptyState, trust, type DeviceState } from "./state";
import { makeCa, type TestCa } from "../test/device";
import { applySigned } from "./update";

/**
 * For ANY sequence of fetched documents — valid ones for either of two trusted CAs (DER
 * or JSON), forgeries naming a trusted CA's key, tampered copies, statements of an
 * untrusted CA — the stored RN of each CA equals the maximum of the validly signed RNs
 * seen for it (or 0), never decreases, and an invalid document never changes the state.
 */

let cas: TestCa[];
let attacker: TestCa;
let initial: DeviceState;

beforeAll(async () => {
  [cas, attacker] = await Promise.all([Promise.all([makeCa("CN=Prop CA 0"), makeCa("CN=Prop CA 1")]), makeCa("CN=Prop Attacker")]);
  initial = cas.reduce((s, c) => trust(s, c.certDer).state, emptyState());
});

type Event =
  | { kind: "valid"; ca: number; rn: bigint; json: boolean }
  | { kind: "forged"; ca: number; rn: bigint }
  | { kind: "tampered"; ca: number; rn: bigint; at: number }
  | { kind: "untrusted"; rn: bigint };

const rnArb = fc.bigInt({ min: 0n, max: 40n });
const caArb = fc.integer({ min: 0, max: 1 });
const eventArb: fc.Arbitrary<Event> = fc.oneof(
  { weight: 4, arbitrary: fc.record({ kind: fc.constant("valid" as const), ca: caArb, rn: rnArb, json: fc.boolean() }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("forged" as const), ca: caArb, rn: rnArb }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("tampered" as const), ca: caArb, rn: rnArb, at: fc.nat() }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("untrusted" as const), rn: rnArb }) },
);

const sign = (c: TestCa, rn: bigint) => signRevocationInfo({ issuerName: "prop", issuerCertDer: c.certDer, privateKey: c.keyPkcs8, revocationNumber: rn });

function bytesOf(e: Event): Uint8Array {
  switch (e.kind) {
    case "valid": {
      const s = sign(cas[e.ca], e.rn);
      return e.json ? new Uint8Array(Buffer.from(JSON.stringify(s.json))) : s.der;
    }
    case "forged": {
      const tbs = encodeRevocationInfo({ issuerName: "prop", issuerKeySha256: Buffer.from(spkiSha256Hex(cas[e.ca].signer.certificate.spki), "hex"), revocationNumber: e.rn });
      return encodeSignedRevocationInfo(tbs, attacker.signer.scheme.algorithmIdentifier, attacker.signer.sign(tbs));
    }
    case "tampered": {
      const t = new Uint8Array(sign(cas[e.ca], e.rn).der);
      t[e.at % t.length] ^= 1 << e.at % 8;
      return t;
    }
    case "untrusted":
      return sign(attacker, e.rn).der;
  }
}

describe("update rules, property-based", () => {
  it("stored RN = max of validly signed RNs; never decreases; invalid input changes nothing", () => {
    fc.assert(
      fc.property(fc.array(eventArb, { maxLength: 25 }), (events) => {
        let state = initial;
        const model = [0n, 0n];
        for (const e of events) {
          const before = state;
          const { state: next, outcome } = applySigned(state, bytesOf(e));
          if (e.kind === "valid") {
            if (e.rn > model[e.ca]) model[e.ca] = e.rn;
          } else {
            expect(outcome.result).not.toMatch(/^(updated|unchanged|rejected-smaller)$/);
            expect(next).toBe(before);
          }
          next.cas.forEach((c, i) => {
            expect(c.revocationNumber).toBe(model[i]);
            expect(c.revocationNumber >= before.cas[i].revocationNumber).toBe(true);
          });
          state = next;
        }
      }),
      { numRuns: 150 },
    );
  });
});
