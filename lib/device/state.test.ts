import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { InputError } from "../errors";
import { pemEncode } from "../pki/pem";
import { createCaCertificate } from "../pki/issue";
import { toKeyObject } from "../pki/keys";
import { emptyState, raiseRevocationNumber, trust, type DeviceState } from "./state";
import { loadState, parseState, saveState, serializeState, updateStateFile } from "./stateFile";
import { issueLeaf, makeCa, type TestCa } from "../test/device";

let ca: TestCa;
let ca2: TestCa;
const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), "rootline-device-"));

beforeAll(async () => {
  [ca, ca2] = await Promise.all([makeCa("CN=State CA"), makeCa("CN=State CA 2")]);
});

describe("trust", () => {
  it("installs a CA from DER or PEM with RN 0, idempotently", () => {
    const a = trust(emptyState(), ca.certDer);
    expect(a.change).toBe("added");
    expect(a.ca.revocationNumber).toBe(0n);
    expect(a.state.cas).toHaveLength(1);
    const b = trust(a.state, pemEncode("CERTIFICATE", ca.certDer));
    expect(b.change).toBe("unchanged");
    expect(b.state).toBe(a.state);
    const c = trust(b.state, ca2.certDer);
    expect(c.state.cas.map((x) => x.certificate.subject)).toEqual(["CN=State CA", "CN=State CA 2"]);
  });

  it("replaces a re-issued certificate of the same key and keeps its RN", async () => {
    let s = trust(emptyState(), ca.certDer).state;
    s = raiseRevocationNumber(s, s.cas[0].keySha256, 7n);
    const reissued = await createCaCertificate({
      subject: "CN=State CA",
      keyPair: { privateKey: toKeyObject(ca.keyPkcs8) },
      notBefore: new Date("2030-01-01T00:00:00Z"),
      notAfter: new Date("2050-01-01T00:00:00Z"),
      serial: 2n,
    });
    const r = trust(s, reissued);
    expect(r.change).toBe("replaced");
    expect(r.state.cas).toHaveLength(1);
    expect(r.state.cas[0].revocationNumber).toBe(7n);
    expect(r.state.cas[0].certificate.serial).toBe(2n);
  });

  it("refuses non-CA certificates and garbage", async () => {
    const leaf = await issueLeaf(ca, 3n);
    expect(() => trust(emptyState(), leaf.certDer)).toThrow(/not a CA certificate/);
    expect(() => trust(emptyState(), new Uint8Array([1, 2, 3]))).toThrow(InputError);
  });

  it("never lowers or repeats an RN, even if asked directly", () => {
    const s = trust(emptyState(), ca.certDer).state;
    const k = s.cas[0].keySha256;
    const s5 = raiseRevocationNumber(s, k, 5n);
    expect(() => raiseRevocationNumber(s5, k, 5n)).toThrow();
    expect(() => raiseRevocationNumber(s5, k, 4n)).toThrow();
  });
});

describe("state file", () => {
  const sample = (): DeviceState => {
    let s = trust(emptyState(), ca.certDer, "state-ca").state;
    s = trust(s, ca2.certDer).state;
    return raiseRevocationNumber(s, s.cas[0].keySha256, 2n ** 70n);
  };

  it("round-trips, with RNs beyond 2^53 as decimal strings", () => {
    const text = serializeState(sample());
    expect(text).toContain(`"revocationNumber": "${2n ** 70n}"`);
    const back = parseState(text);
    expect(back.cas.map((c) => [c.certificate.subject, c.revocationNumber, c.issuerName])).toEqual([
      ["CN=State CA", 2n ** 70n, "state-ca"],
      ["CN=State CA 2", 0n, null],
    ]);
  });

  // The state file as JSON, mutated into each corrupt variant.
  type StateJson = Record<string, unknown> & { cas: Record<string, unknown>[] };
  it.each<[string, (doc: StateJson) => void]>([
    ["an unknown member", (d) => (d.extra = 1)],
    ["a negative RN", (d) => (d.cas[0].revocationNumber = "-1")],
    ["an RN with a leading zero", (d) => (d.cas[0].revocationNumber = "01")],
    ["a key hash that does not match the certificate", (d) => (d.cas[0].keySha256 = "0".repeat(64))],
    ["a subject that does not match the certificate", (d) => (d.cas[0].subject = "CN=Someone Else")],
    ["the same CA twice", (d) => d.cas.push({ ...d.cas[0] })],
    ["another format", (d) => (d.format = "something")],
  ])("refuses a state file with %s", (_n, change) => {
    const doc = JSON.parse(serializeState(sample()));
    change(doc);
    expect(() => parseState(JSON.stringify(doc))).toThrow(InputError);
  });

  it("writes atomically (no temporary files left) and reads back", () => {
    const dir = tmp();
    const file = path.join(dir, "device.json");
    saveState(file, sample());
    saveState(file, sample());
    expect(fs.readdirSync(dir)).toEqual(["device.json"]);
    expect(loadState(file).cas).toHaveLength(2);
  });

  it("a missing file is an error unless allowed (trust creates it)", () => {
    const file = path.join(tmp(), "none.json");
    expect(() => loadState(file)).toThrow(/rootline device trust/);
    expect(loadState(file, true).cas).toEqual([]);
  });

  it("serialises concurrent read-modify-write under the lock: the RN ends at the maximum, never lower", async () => {
    const file = path.join(tmp(), "device.json");
    saveState(file, trust(emptyState(), ca.certDer).state);
    const offers = Array.from({ length: 24 }, (_, i) => BigInt((i * 7919) % 101));
    const max = offers.reduce((a, b) => (b > a ? b : a));
    await Promise.all(
      offers.map((rn, i) =>
        updateStateFile(file, async (s) => {
          // Yield inside the critical section, the largest offer first: without the lock
          // every writer would have read RN 0, and the smaller ones, finishing later,
          // would overwrite the maximum.
          await new Promise((r) => setTimeout(r, rn === max ? 0 : 3 + (i % 5)));
          const cur = s.cas[0];
          return { state: rn > cur.revocationNumber ? raiseRevocationNumber(s, cur.keySha256, rn) : s, result: null };
        }),
      ),
    );
    expect(loadState(file).cas[0].revocationNumber).toBe(max);
    expect(fs.existsSync(`${file}.lock`)).toBe(false);
  });
});
