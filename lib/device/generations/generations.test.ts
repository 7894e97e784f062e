import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { caInfoJsonText } from "../../generations/caInfo";
import { issueLeaf, makeCa, type TestCa } from "../../test/device";
import { flipByte, makeDistributionKey, makeTestLineage, type TestDistributionKey, type TestGeneration } from "../../test/deviceGenerations";
import { startDownloadSlot, type DownloadSlot, type Served } from "../../test/downloadSlot";
import { checkServer, poll } from "./client";
import { initState } from "./state";
import { loadGenerations, parseGenerations, saveGenerations, updateGenerations } from "./stateFile";
import { tlsTransport } from "./transport";

/**
 * The device side of seed 001 FIGS. 7–9 over real TLS on 127.0.0.1: real download
 * servers (one per generation, bound from the start so CA information n-1 can announce
 * its URL, dropping connections until "brought into operation"), a real application
 * server whose certificate the CA side switches, and the state file on disk.
 */

const COUNT = 4;
let slots: DownloadSlot[]; // slots[n] serves CA information n (n >= 2)
let app: DownloadSlot;
let gens: TestGeneration[];
let distribution: TestDistributionKey;
let stranger: TestCa;
let impostor: TestCa; // named like CA 1, another key
let dir: string;
let file: string;

const url = (n: number) => slots[n].url(`/ca-info/${n}`);
const gen = (n: number) => gens[n - 1];

beforeAll(async () => {
  slots = [];
  for (let n = 2; n <= COUNT + 1; n++) slots[n] = await startDownloadSlot();
  app = await startDownloadSlot();
  ({ distribution, gens } = await makeTestLineage({ count: COUNT, urlOf: url }));
  [stranger, impostor] = await Promise.all([makeCa("CN=Stranger"), makeCa("CN=L-1")]);
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "rootline-gen-"));
});
afterAll(async () => {
  await Promise.all([...slots.filter(Boolean), app].map((s) => s.close()));
  fs.rmSync(dir, { recursive: true, force: true });
});

beforeEach(() => {
  for (const s of slots.filter(Boolean)) s.down();
  app.down();
  file = path.join(fs.mkdtempSync(path.join(dir, "d-")), "generations.json");
  saveGenerations(file, initState(distribution.spki, gen(1).info.der));
});

/** The CA side brings the download server for generation n into operation (certificate of CA n-1). */
function publish(n: number, o: { cert?: Served; body?: Uint8Array } = {}): void {
  slots[n].up(o.cert ?? gen(n - 1).download, { [`/ca-info/${n}`]: o.body ?? gen(n).info.der });
}
const appServes = (cert: Served) => app.up(cert, {});

const devicePoll = () => updateGenerations(file, (s) => poll(s, tlsTransport, { timeoutMs: 3000 }).then((r) => ({ state: r.state, result: r.outcome })));
const deviceCheck = () => updateGenerations(file, (s) => checkServer(s, { host: "127.0.0.1", port: app.port }, tlsTransport, { timeoutMs: 3000 }).then((r) => ({ state: r.state, result: r.outcome })));
const slotsOf = () => {
  const s = loadGenerations(file);
  return { current: s.current.info.generation, next: s.next?.info.generation ?? null };
};

describe("FIG. 7: normal rollover", () => {
  it("polls in vain until N+1's download server runs, keeps N+1 in next, promotes it when the server moves, then follows N+2", async () => {
    appServes(gen(1).app);
    expect(await deviceCheck()).toEqual({ accepted: true, promoted: false, generation: 1 });
    expect(await devicePoll()).toMatchObject({ result: "unreachable", url: url(2) });
    expect(slotsOf()).toEqual({ current: 1, next: null });

    publish(2); // five years before CA 1 ends
    expect(await devicePoll()).toEqual({ result: "stored-next", url: url(2), generation: 2 });
    expect(slots[2].lastHead).toMatch(/^accept: application\/octet-stream\r$/im); // the compact form is asked for
    expect(await devicePoll()).toMatchObject({ result: "unchanged", generation: 2 });
    expect(slotsOf()).toEqual({ current: 1, next: 2 });
    expect(await deviceCheck()).toEqual({ accepted: true, promoted: false, generation: 1 }); // still on CA 1

    appServes(gen(2).app); // CA 1 expired: the application server moves to CA 2
    const c = await deviceCheck();
    expect(c).toMatchObject({ accepted: true, promoted: true, generation: 2, polled: { result: "unreachable", url: url(3) } });
    expect(c.fetched).toBeUndefined();
    expect(slotsOf()).toEqual({ current: 2, next: null });
    expect(await deviceCheck()).toEqual({ accepted: true, promoted: false, generation: 2 });

    // The old CA's servers are now refused (current is CA 2, next empty and nothing to fetch).
    appServes(gen(1).app);
    expect(await deviceCheck()).toMatchObject({ accepted: false, promoted: false, generation: 2, code: "unknown-issuer", fetched: { result: "unreachable" } });

    publish(3);
    expect(await devicePoll()).toMatchObject({ result: "stored-next", generation: 3 });
    appServes(gen(3).app);
    expect(await deviceCheck()).toMatchObject({ accepted: true, promoted: true, generation: 3 });
  });

  it("takes either form: the JSON form of CA information N+1 is the same document as its DER", async () => {
    publish(2, { body: new Uint8Array(Buffer.from(caInfoJsonText(gen(2).info.json))) });
    expect(await devicePoll()).toMatchObject({ result: "stored-next", generation: 2 });
    publish(2);
    expect(await devicePoll()).toMatchObject({ result: "unchanged" });
  });
});

describe("FIG. 8: N revoked before the download server for N+1 exists", () => {
  it("the failed check fetches at once and then accepts the server with N+1", async () => {
    appServes(gen(1).app);
    expect(await devicePoll()).toMatchObject({ result: "unreachable" });
    // CA 1 revoked: CA 2 set up at once, its download server started, the application server moves.
    publish(2);
    appServes(gen(2).app);
    const c = await deviceCheck();
    expect(c).toMatchObject({ accepted: true, promoted: true, generation: 2, fetched: { result: "stored-next", generation: 2 }, polled: { result: "unreachable", url: url(3) } });
    expect(slotsOf()).toEqual({ current: 2, next: null });
  });

  it("fails closed, state unchanged, when the immediate fetch finds nothing", async () => {
    appServes(gen(2).app);
    const before = fs.readFileSync(file);
    expect(await deviceCheck()).toMatchObject({ accepted: false, promoted: false, generation: 1, code: "unknown-issuer", fetched: { result: "unreachable" } });
    expect(fs.readFileSync(file).equals(before)).toBe(true);
  });
});

describe("FIG. 9: N revoked while N+1's download server runs", () => {
  it("with N+1 already in next: promotes without fetching", async () => {
    publish(2);
    expect(await devicePoll()).toMatchObject({ result: "stored-next" });
    appServes(gen(2).app); // CA 1 revoked: the server moves at once
    const c = await deviceCheck();
    expect(c).toMatchObject({ accepted: true, promoted: true, generation: 2 });
    expect(c.fetched).toBeUndefined();
  });

  it("before the device polled: fetches at once, as in FIG. 8; the download server for 2 still serves after the promotion", async () => {
    publish(2);
    appServes(gen(2).app);
    expect(await deviceCheck()).toMatchObject({ accepted: true, promoted: true, generation: 2, fetched: { result: "stored-next" } });
    // The download server stays up until CA 1's original expiry; a device already at 2 finds nothing new there.
    expect(slots[2].served).toBeGreaterThan(0);
  });
});

describe("rejected, and the device state is unchanged", () => {
  const rejectedPoll = async (reason: RegExp) => {
    const before = fs.readFileSync(file);
    const r = await devicePoll();
    expect(r).toMatchObject({ result: "rejected" });
    expect(r.reason).toMatch(reason);
    expect(fs.readFileSync(file).equals(before)).toBe(true);
  };

  it.each<[string, () => Uint8Array, RegExp]>([
    ["a byte flipped in the signature", () => flipByte(gen(2).info.der, -3), /does not verify with the distribution key/],
    ["a byte flipped in the signed CA information", () => flipByte(gen(2).info.der, 40), /malformed|does not verify/],
    [
      "a JSON form whose readable nextUrl was changed",
      () => new Uint8Array(Buffer.from(caInfoJsonText({ ...gen(2).info.json, nextUrl: "https://evil.example/ca-info/3" }))),
      /nextUrl differs/,
    ],
  ])("a tampered document: %s", async (_n, body, reason) => {
    publish(2, { body: body() });
    await rejectedPoll(reason);
  });

  it("a document signed with another distribution key", async () => {
    const other = await makeDistributionKey();
    const { gens: forged } = await makeTestLineage({ count: 2, urlOf: url, distribution: other });
    publish(2, { body: forged[1].info.der });
    await rejectedPoll(/does not verify with the distribution key/);
  });

  it.each<[string, () => Promise<Served>, RegExp]>([
    ["another CA", async () => issueLeaf(stranger, 11n), /unknown-issuer/],
    ["a CA named like the current one (another key)", async () => issueLeaf(impostor, 11n), /signature/],
    ["the NEXT CA, not the current one", async () => gen(2).download, /unknown-issuer/],
    ["the current CA, but a client certificate", async () => issueLeaf(gen(1).ca, 12n, { profile: "client" }), /purpose/],
    ["the current CA, but for another host", async () => issueLeaf(gen(1).ca, 13n, { sans: ["DNS:elsewhere.example"] }), /hostname/],
  ])("a download server with a certificate of %s", async (_n, cert, reason) => {
    publish(2, { cert: await cert() });
    await rejectedPoll(reason);
  });

  it("a download server certified by the CA already in next (only current vouches for it)", async () => {
    publish(2);
    expect(await devicePoll()).toMatchObject({ result: "stored-next" });
    publish(2, { cert: gen(2).download });
    await rejectedPoll(/unknown-issuer/);
  });

  it("a replayed older document (generation 1 where 2 is due), and a generation that skips one", async () => {
    publish(2, { body: gen(1).info.der });
    await rejectedPoll(/generation 1; only 2 follows/);
    publish(2, { body: gen(3).info.der });
    await rejectedPoll(/generation 3; only 2 follows/);
  });

  it("a replay after a promotion: CA information 2 served again where 3 is due", async () => {
    publish(2);
    appServes(gen(2).app);
    expect(await deviceCheck()).toMatchObject({ promoted: true, generation: 2 });
    slots[3].up(gen(2).download, { "/ca-info/3": gen(2).info.der });
    await rejectedPoll(/generation 2; only 3 follows/);
  });

  it("check: a server that neither current nor next verifies is refused and next is not promoted", async () => {
    publish(2);
    await devicePoll();
    const before = fs.readFileSync(file);
    for (const cert of [await issueLeaf(stranger, 10n), await issueLeaf(impostor, 10n), gen(3).app]) {
      appServes(cert);
      const c = await deviceCheck();
      expect(c).toMatchObject({ accepted: false, promoted: false, generation: 1 });
      expect(c.fetched).toBeUndefined();
    }
    expect(fs.readFileSync(file).equals(before)).toBe(true);
  });
});

describe("the state file", () => {
  it("concurrent polls and checks take turns under the lock: one stores next, one promotes, the file stays whole", async () => {
    publish(2);
    appServes(gen(2).app);
    const polls = await Promise.all([devicePoll(), devicePoll(), devicePoll()]);
    expect(polls.map((p) => p.result).sort()).toEqual(["stored-next", "unchanged", "unchanged"]);
    const checks = await Promise.all([deviceCheck(), deviceCheck(), deviceCheck()]);
    expect(checks.filter((c) => c.promoted)).toHaveLength(1);
    expect(checks.every((c) => c.accepted && c.generation === 2)).toBe(true);
    expect(slotsOf()).toEqual({ current: 2, next: null });
    expect(fs.readdirSync(path.dirname(file))).toEqual(["generations.json"]); // no temporary or lock file left
  });

  it("round-trips, and refuses a document altered on disk", async () => {
    publish(2);
    await devicePoll();
    const text = fs.readFileSync(file, "utf8");
    expect(parseGenerations(text)).toMatchObject({ current: { info: { generation: 1 } }, next: { info: { generation: 2 } } });
    const j = JSON.parse(text);
    j.next.document = Buffer.from(flipByte(Buffer.from(j.next.document, "base64"), -3)).toString("base64");
    expect(() => parseGenerations(JSON.stringify(j))).toThrow(/does not verify with the distribution key/);
    const k = JSON.parse(text);
    k.current.generation = 5;
    expect(() => parseGenerations(JSON.stringify(k))).toThrow(/do not match the document/);
  });
});
