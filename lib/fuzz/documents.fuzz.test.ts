import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { InputError } from "../errors";
import { makeCa } from "../test/pki";
import { DerError } from "../pki/der";
import { parseRevocationInfo, signRevocationInfo, verifyRevocationInfo } from "../revocation-info/info";
import { decodeRevocationInfo } from "../revocation-info/infoDer";
import { parseTopology } from "../rotation/validate";
import { documentToJson, exportFilename, parseDocument, parseDocumentText, summarize } from "../topologies/document";
import { fig46, generateFleet } from "../topologies/samples";
import { createTopology, importTopology, saveTopologyDocument } from "../topologies/service";
import { counter, derInput, domainOnly, hostileString, runs } from "./arbitraries";
import { snapshot } from "./http";

/**
 * Documents that arrive from outside: signed revocation information (what a device
 * fetches; DER and JSON) and topology documents (pasted, uploaded, saved from the editor).
 * Decoders answer with a result or a "malformed" verdict and never throw; the topology
 * service refuses with InputError and leaves no row or audit entry behind.
 */
vi.setConfig({ testTimeout: 180_000, hookTimeout: 120_000 });
const count = counter("lib/fuzz/documents.fuzz.test.ts");
afterAll(() => count.report());

// ---------------------------------------------------------------- JSON tree mutation

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

/** Every path in a JSON value, root first. */
function paths(v: Json, at: (string | number)[] = [], out: (string | number)[][] = []): (string | number)[][] {
  out.push(at);
  if (Array.isArray(v)) v.forEach((x, i) => paths(x, [...at, i], out));
  else if (v && typeof v === "object") for (const k of Object.keys(v)) paths(v[k], [...at, k], out);
  return out;
}

function setAt(root: Json, path: (string | number)[], value: Json | undefined): Json {
  if (path.length === 0) return value ?? null;
  const copy = structuredClone(root) as Record<string | number, Json>;
  let cur = copy as Record<string | number, Json>;
  for (const p of path.slice(0, -1)) cur = cur[p] as Record<string | number, Json>;
  const last = path[path.length - 1];
  if (value === undefined) {
    if (Array.isArray(cur)) cur.splice(last as number, 1);
    else delete cur[last];
  } else cur[last] = value;
  return copy as Json;
}

const hostileJson: fc.Arbitrary<Json | undefined> = fc.oneof(
  fc.constant(undefined), // delete
  hostileString(12),
  fc.constantFrom<Json>(null, true, false, 0, -1, 1e308, -1e308, 2 ** 53 + 1, 0.5, "", [], {}, { __proto__: null } as Json, ["x"], { id: "x" }),
  fc.jsonValue({ maxDepth: 3 }) as fc.Arbitrary<Json>,
);

function mutatedJson(seeds: Json[]): fc.Arbitrary<Json> {
  return fc.tuple(fc.constantFrom(...seeds), fc.array(fc.tuple(fc.double({ min: 0, max: 1, noNaN: true }), hostileJson), { minLength: 1, maxLength: 3 })).map(([seed, ms]) => {
    let v = seed;
    for (const [r, x] of ms) {
      const ps = paths(v);
      v = setAt(v, ps[Math.floor(r * ps.length) % ps.length], x);
    }
    return v;
  });
}

/** Text around a mutated document: JSON, truncated JSON, BOMs, hostile text, duplicate keys. */
function documentText(seeds: Json[]): fc.Arbitrary<string> {
  return fc.oneof(
    { weight: 6, arbitrary: mutatedJson(seeds).map((v) => JSON.stringify(v) ?? "") },
    { weight: 1, arbitrary: fc.tuple(mutatedJson(seeds), fc.double({ min: 0, max: 1, noNaN: true })).map(([v, r]) => { const t = JSON.stringify(v) ?? ""; return t.slice(0, Math.floor(r * t.length)); }) },
    { weight: 1, arbitrary: hostileString(40) },
    { weight: 1, arbitrary: fc.constantFrom("\uFEFF" + JSON.stringify(fig46()), '{"nodes":[],"links":[],"nodes":[{"id":"a"}]}', '{"__proto__":{"nodes":1},"nodes":[],"links":[]}', "[".repeat(50_000), '{"nodes":[{"id":"a","x":1e400,"y":-1e400}],"links":[]}') },
  );
}

// ---------------------------------------------------------------- revocation information

describe("revocation information decoders", () => {
  let caDer: Uint8Array;
  const der: Uint8Array[] = [];
  const json: Json[] = [];
  beforeAll(async () => {
    const ca = await makeCa("ec-p256");
    caDer = ca.certDer;
    for (const rn of [0n, 5n, (1n << 60n) + 1n]) {
      const s = signRevocationInfo({ issuerName: "fuzz-ca", issuerCertDer: ca.certDer, privateKey: ca.keyPair.privateKey, revocationNumber: rn });
      der.push(s.der);
      json.push(s.json as unknown as Json);
    }
  });

  it("parseRevocationInfo / verifyRevocationInfo: DER, JSON text and objects never throw", async () => {
    const input = fc.oneof(
      derInput(der),
      mutatedJson(json),
      documentText(json),
      derInput(der).map((d) => new Uint8Array(Buffer.concat([Buffer.from("  "), Buffer.from(d)]))),
    );
    await fc.assert(
      fc.asyncProperty(input, async (v) => {
        count.tick("revocation info: parse + verify (DER/JSON/object)");
        const p = parseRevocationInfo(v as never);
        expect(typeof p.ok).toBe("boolean");
        const r = verifyRevocationInfo(v as never, caDer);
        if (!r.ok) expect(["malformed", "wrong-issuer", "bad-signature"]).toContain(r.error);
      }),
      { numRuns: runs(1500) },
    );
  });

  it("decodeRevocationInfo (the tbs): DerError only", async () => {
    const tbs = der.map((d) => {
      const p = parseRevocationInfo(d);
      return p.ok ? p.value.tbs : d;
    });
    await fc.assert(
      fc.asyncProperty(derInput(tbs), async (t) => {
        count.tick("revocation info: decodeRevocationInfo (tbs)");
        await domainOnly(() => decodeRevocationInfo(t), [DerError]);
      }),
      { numRuns: runs(1800) },
    );
  });
});

// ---------------------------------------------------------------- topology documents

describe("topology documents", () => {
  const seeds: Json[] = [fig46() as unknown as Json, generateFleet(25) as unknown as Json, { nodes: [{ id: "a", direct: true, x: 10.4, y: 3, label: "A" }, { id: "b" }], links: [{ client: "b", server: "a", group: "g", auth: "one-way" }] }];

  it("parseDocumentText / parseDocument / parseTopology / summarize never throw; accepted documents round-trip", async () => {
    await fc.assert(
      fc.asyncProperty(documentText(seeds), async (text) => {
        count.tick("topology: parseDocumentText (+ summarize, round trip)");
        const r = parseDocumentText(text);
        if (!r.ok) {
          expect(r.errors.length).toBeGreaterThan(0);
          return;
        }
        summarize(r.document);
        const again = parseDocumentText(documentToJson(r.document));
        expect(again.ok && documentToJson(again.document)).toBe(documentToJson(r.document));
      }),
      { numRuns: runs(1500) },
    );
    await fc.assert(
      fc.asyncProperty(mutatedJson(seeds), async (v) => {
        count.tick("topology: parseDocument + parseTopology (objects)");
        parseDocument(v);
        parseTopology(v);
      }),
      { numRuns: runs(1500) },
    );
  });

  it("the topology service: InputError only, and a refused write leaves the database unchanged", async () => {
    const actor = { kind: "cli" as const, name: "fuzz", role: "administrator" as const };
    const existing = await createTopology(actor, { name: "fuzz-existing", document: fig46() });
    await fc.assert(
      fc.asyncProperty(fc.oneof(fc.constantFrom("fuzz-existing", "plant-a", ""), hostileString(20)), documentText(seeds), fc.constantFrom("import", "import-draft", "create", "save"), async (name, text, op) => {
        count.tick(`topology service: ${op}`);
        const before = await snapshot();
        try {
          if (op === "import" || op === "import-draft") await importTopology(actor, { name, text, allowDraft: op === "import-draft" });
          else {
            let doc: unknown;
            try {
              doc = JSON.parse(text);
            } catch {
              doc = text;
            }
            if (op === "create") await createTopology(actor, { name, document: doc });
            else await saveTopologyDocument(actor, existing.id, doc);
          }
        } catch (e) {
          if (!(e instanceof InputError)) throw e;
          expect(await snapshot(), `refused ${op} changed the database: ${e.message}`).toBe(before);
        }
        exportFilename(name);
      }),
      { numRuns: runs(250) },
    );
  });
});
