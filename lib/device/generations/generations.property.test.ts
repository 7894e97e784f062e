import fc from "fast-check";
import { beforeAll, describe, expect, it } from "vitest";
import { issueLeaf, makeCa, type TestLeaf } from "../../test/device";
import { flipByte, makeDistributionKey, makeTestLineage, type TestGeneration } from "../../test/deviceGenerations";
import { checkServer, poll } from "./client";
import { initState, type GenerationsState } from "./state";
import type { GenerationsTransport, TlsEndpoint } from "./transport";

/**
 * Over random sequences of CA-side events (next generation, revocation of the newest
 * CA, application-server switches, attackers at the application server's address and at
 * the download servers) and device polls and checks, the device:
 *   - never accepts a server that neither its current nor its next CA verifies — an
 *     accepted certificate is always one of the generation the device is on afterwards,
 *     and that generation is the one before the check or the one after it;
 *   - only ever holds genuine CA information, with next = current + 1;
 *   - keeps up when it honestly can (a server of current, or of current+1 whose CA
 *     information is in next or downloadable, is accepted).
 * The CA side is modelled in memory with real certificates and real signatures, made
 * once per run; the network is an in-memory transport with the real one's shape, so the
 * device's judging (real signature checks) is what runs.
 */

const K = 6;
const APP_PORT = 9000;
const portOf = (n: number) => 1000 + n;
const urlOf = (n: number) => `https://127.0.0.1:${portOf(n)}/ca-info/${n}`;

let gens: TestGeneration[];
let foreign: TestGeneration[]; // same URLs, another distribution key
let spki: Uint8Array;
let strangerLeaf: TestLeaf;
let impostorLeaves: TestLeaf[]; // impostorLeaves[n]: named like CA n, another key

beforeAll(async () => {
  const distribution = await makeDistributionKey();
  ({ gens } = await makeTestLineage({ count: K, urlOf, distribution }));
  ({ gens: foreign } = await makeTestLineage({ count: K, urlOf }));
  spki = distribution.spki;
  strangerLeaf = await issueLeaf(await makeCa("CN=Stranger"), 10n);
  impostorLeaves = [];
  for (let n = 1; n <= K; n++) impostorLeaves[n] = await issueLeaf(await makeCa(`CN=L-${n}`), 10n);
});

type Truth = { kind: "gen"; n: number } | { kind: "attacker" };
interface Download {
  certDer: Uint8Array;
  body: Uint8Array;
  up: boolean;
}
interface World {
  latest: number;
  downloads: Map<number, Download>;
  app: { certDer: Uint8Array; truth: Truth };
}

type Ev =
  | { t: "next" }
  | { t: "revoke" }
  | { t: "switch" }
  | { t: "appOld"; back: number }
  | { t: "appAttack"; impostorOf: number | null }
  | { t: "dlAttack"; n: number; how: "tamper" | "replay" | "foreign" | "strangerCert" | "wrongCaCert" | "honest"; at: number }
  | { t: "dlDown"; n: number }
  | { t: "poll" }
  | { t: "check" };

const genArb = fc.integer({ min: 1, max: K });
const evArb: fc.Arbitrary<Ev> = fc.oneof(
  { weight: 2, arbitrary: fc.constant({ t: "next" as const }) },
  { weight: 2, arbitrary: fc.constant({ t: "revoke" as const }) },
  { weight: 3, arbitrary: fc.constant({ t: "switch" as const }) },
  { weight: 1, arbitrary: fc.record({ t: fc.constant("appOld" as const), back: fc.integer({ min: 1, max: 3 }) }) },
  { weight: 2, arbitrary: fc.record({ t: fc.constant("appAttack" as const), impostorOf: fc.option(genArb) }) },
  {
    weight: 3,
    arbitrary: fc.record({
      t: fc.constant("dlAttack" as const),
      n: fc.integer({ min: 2, max: K }),
      how: fc.constantFrom("tamper" as const, "replay" as const, "foreign" as const, "strangerCert" as const, "wrongCaCert" as const, "honest" as const),
      at: fc.integer({ min: -80, max: 400 }),
    }),
  },
  { weight: 1, arbitrary: fc.record({ t: fc.constant("dlDown" as const), n: fc.integer({ min: 2, max: K }) }) },
  { weight: 5, arbitrary: fc.constant({ t: "poll" as const }) },
  { weight: 6, arbitrary: fc.constant({ t: "check" as const }) },
);

const gen = (n: number) => gens[n - 1];
const honest = (n: number): Download => ({ certDer: gen(n - 1).download.certDer, body: gen(n).info.der, up: true });

function transportOf(w: World): GenerationsTransport {
  return {
    async connect(e: TlsEndpoint) {
      const served = e.port === APP_PORT ? { certDer: w.app.certDer, body: null } : w.downloads.get(e.port - 1000);
      if (!served || ("up" in served && !served.up)) return { ok: false, detail: "ECONNREFUSED" };
      const n = e.port - 1000;
      return {
        ok: true,
        conn: {
          certDer: served.certDer,
          async get(url: URL) {
            if (served.body && url.pathname === `/ca-info/${n}`) return { ok: true, status: 200, body: Buffer.from(served.body) };
            return { ok: false, failure: "unreachable", detail: "HTTP 404" };
          },
          close() {},
        },
      };
    },
  };
}

/** The genuine generation whose CA information these bytes are, or null. */
const genuineGeneration = (bytes: Uint8Array): number | null => {
  const i = gens.findIndex((g) => Buffer.from(g.info.der).equals(Buffer.from(bytes)));
  return i < 0 ? null : i + 1;
};

function assertGenuine(s: GenerationsState): void {
  expect(genuineGeneration(s.current.info.bytes)).toBe(s.current.info.generation);
  if (s.next) {
    expect(s.next.info.generation).toBe(s.current.info.generation + 1);
    expect(genuineGeneration(s.next.info.bytes)).toBe(s.next.info.generation);
  }
}

function applyCaSide(w: World, e: Ev): void {
  switch (e.t) {
    case "next":
      if (w.latest < K) w.downloads.set(++w.latest, honest(w.latest));
      return;
    case "revoke": // the newest CA is revoked: its successor at once, and the application server moves to it
      if (w.latest < K) {
        w.downloads.set(++w.latest, honest(w.latest));
        w.app = { certDer: gen(w.latest).app.certDer, truth: { kind: "gen", n: w.latest } };
      }
      return;
    case "switch":
      w.app = { certDer: gen(w.latest).app.certDer, truth: { kind: "gen", n: w.latest } };
      return;
    case "appOld": {
      const n = Math.max(1, w.latest - e.back);
      w.app = { certDer: gen(n).app.certDer, truth: { kind: "gen", n } };
      return;
    }
    case "appAttack":
      w.app = { certDer: (e.impostorOf ? impostorLeaves[e.impostorOf] : strangerLeaf).certDer, truth: { kind: "attacker" } };
      return;
    case "dlAttack": {
      const d = w.downloads.get(e.n) ?? { ...honest(e.n), up: false };
      const body = {
        tamper: flipByte(gen(e.n).info.der, e.at),
        replay: gen(Math.max(1, e.n - 1 - (Math.abs(e.at) % 2))).info.der,
        foreign: foreign[e.n - 1].info.der,
      } as Record<string, Uint8Array>;
      if (e.how === "honest") w.downloads.set(e.n, honest(e.n));
      else if (e.how === "strangerCert") w.downloads.set(e.n, { ...d, certDer: strangerLeaf.certDer, up: true });
      else if (e.how === "wrongCaCert") w.downloads.set(e.n, { ...d, certDer: gen(e.n).download.certDer, up: true }); // CA n's, not CA n-1's
      else w.downloads.set(e.n, { ...d, body: body[e.how], up: true });
      return;
    }
    case "dlDown": {
      const d = w.downloads.get(e.n);
      if (d) d.up = false;
      return;
    }
    default:
      return;
  }
}

const isHonest = (w: World, n: number): boolean => {
  const d = w.downloads.get(n);
  return !!d && d.up && n <= w.latest && Buffer.from(d.body).equals(Buffer.from(gen(n).info.der)) && Buffer.from(d.certDer).equals(Buffer.from(gen(n - 1).download.certDer));
};

describe("device generations: random CA events, attacks, polls and checks", () => {
  it("never accepts a server that neither current nor next verifies, and keeps only genuine CA information", async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(evArb, { minLength: 1, maxLength: 30 }), async (events) => {
        const w: World = { latest: 1, downloads: new Map(), app: { certDer: gen(1).app.certDer, truth: { kind: "gen", n: 1 } } };
        let s = initState(spki, gen(1).info.der);
        const t = transportOf(w);
        for (const e of events) {
          const before = s;
          const cur = before.current.info.generation;
          if (e.t === "poll") {
            const r = await poll(s, t);
            s = r.state;
            if (r.outcome.result === "stored-next") {
              expect(s.next?.info.generation).toBe(cur + 1);
              // ...from a download server certified by the current CA only.
              expect(Buffer.from(w.downloads.get(cur + 1)!.certDer).equals(Buffer.from(gen(cur).download.certDer))).toBe(true);
            }
            else expect(s).toBe(before);
          } else if (e.t === "check") {
            const r = await checkServer(s, { host: "127.0.0.1", port: APP_PORT }, t);
            s = r.state;
            const after = s.current.info.generation;
            const truth = w.app.truth;
            if (r.outcome.accepted) {
              // The accepted certificate is of the generation the device is on now, which is current or next from before.
              expect(truth).toEqual({ kind: "gen", n: after });
              expect([cur, cur + 1]).toContain(after);
              if (after === cur + 1) expect(r.outcome.promoted).toBe(true);
            } else {
              expect(after).toBe(cur);
            }
            // Liveness: what the device can honestly verify, it accepts.
            if (truth.kind === "gen" && truth.n === cur) expect(r.outcome).toMatchObject({ accepted: true, promoted: false });
            if (truth.kind === "gen" && truth.n === cur + 1 && (before.next || isHonest(w, cur + 1))) expect(r.outcome).toMatchObject({ accepted: true, promoted: true });
          } else {
            applyCaSide(w, e);
          }
          assertGenuine(s);
          expect(s.current.info.generation).toBeGreaterThanOrEqual(cur);
          expect(s.current.info.generation).toBeLessThanOrEqual(w.latest);
        }
      }),
      { numRuns: 400 },
    );
  }, 120_000);
});
