import fs from "node:fs";
import net from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { cliActor } from "../../auth/actor";
import { issueCertificate } from "../../certificates/issue";
import { requestWithGeneratedKey } from "../../certificates/request";
import { db } from "../../db";
import { startDownloadServer, type DownloadServer } from "../../generations/downloadServer";
import { caInfoOf, createLineage, distributionKeyOf } from "../../generations/lineage";
import { revokeGenerationNow, runGenerationSchedule } from "../../generations/schedule";
import { addDays } from "../../issuers/validity";
import { startDownloadSlot, type DownloadSlot, type Served } from "../../test/downloadSlot";
import { tempDir } from "../../test/pki";
import { checkServer, poll } from "./client";
import { initState } from "./state";
import { loadGenerations, saveGenerations, updateGenerations } from "./stateFile";
import { tlsTransport } from "./transport";

/**
 * The device library against the REAL CA side (lib/generations: lineage, schedule,
 * revocation, the TLS download server) on an injected clock, with an application server
 * holding certificates Rootline issued: seed 001 FIGS. 7, 9 and 8 in one lifetime.
 */

const actor = cliActor();
const dir = tempDir();
const T0 = new Date("2030-01-01T00:00:00Z");
let clock = T0;
let port: number;
let downloads: DownloadServer;
let app: DownloadSlot;
let early: string; // a device that polls
let late: string; // a device that never polls, only checks

async function freePort(): Promise<number> {
  const s = net.createServer();
  await new Promise<void>((r) => s.listen(0, "127.0.0.1", () => r()));
  const p = (s.address() as net.AddressInfo).port;
  await new Promise<void>((r) => s.close(() => r()));
  return p;
}

/** The application server moves to a certificate of issuer `R-n`, as a renewal would give it. */
async function appMovesTo(n: number): Promise<Served> {
  const req = await requestWithGeneratedKey({ subject: `CN=app ${n}`, keyType: "ec-p256", profile: "server", sans: ["IP:127.0.0.1"] });
  const { id } = await issueCertificate(actor, `R-${n}`, req, { now: clock });
  const c = await db().certificate.findUniqueOrThrow({ where: { id }, select: { der: true } });
  const served: Served = { certDer: new Uint8Array(c.der), keyPkcs8: req.generatedKey! };
  app.up(served, {});
  return served;
}
let served3: Served; // the server's certificate of CA 3, kept: a revoked generation issues no more

const devicePoll = (file: string) => updateGenerations(file, (s) => poll(s, tlsTransport, { timeoutMs: 5000 }).then((r) => ({ state: r.state, result: r.outcome })));
const deviceCheck = (file: string) =>
  updateGenerations(file, (s) => checkServer(s, { host: "127.0.0.1", port: app.port }, tlsTransport, { timeoutMs: 5000 }).then((r) => ({ state: r.state, result: r.outcome })));
const slotsOf = (file: string) => {
  const s = loadGenerations(file);
  return { current: s.current.info.generation, next: s.next?.info.generation ?? null };
};
const newestNotAfter = async () => (await db().issuer.findFirstOrThrow({ where: { name: { startsWith: "R-" } }, orderBy: { generation: "desc" }, select: { notAfter: true } })).notAfter;

beforeAll(async () => {
  port = await freePort();
  await createLineage(actor, { name: "R", keyType: "ec-p256", downloadUrlTemplate: `https://127.0.0.1:${port}/ca-info/{n}` }, { now: T0 });
  const spki = (await distributionKeyOf("R")).spki;
  const info1 = (await caInfoOf("R", 1)).der;
  early = dir.path("early.json");
  late = dir.path("late.json");
  for (const f of [early, late]) saveGenerations(f, initState(spki, info1));
  downloads = await startDownloadServer({ lineage: "R", port, now: () => clock, refreshMs: 3_600_000 });
  app = await startDownloadSlot();
  await appMovesTo(1);
});
afterAll(async () => {
  await downloads?.stop();
  await app?.close();
});

describe("device generations against the real CA side", () => {
  it("FIG. 7: nothing to fetch at first; generation 2 on schedule; both devices follow when the server moves", async () => {
    expect(await deviceCheck(early)).toEqual({ accepted: true, promoted: false, generation: 1 });
    expect((await devicePoll(early)).result).toBe("unreachable"); // no generation 2: nothing served yet

    clock = addDays(await newestNotAfter(), -1826); // five years before CA 1 ends
    expect((await runGenerationSchedule({ now: clock, lineage: "R" }))[0].created).toMatchObject({ generation: 2 });
    await downloads.refresh();
    expect(await devicePoll(early)).toMatchObject({ result: "stored-next", generation: 2 });
    expect(slotsOf(early)).toEqual({ current: 1, next: 2 });

    clock = addDays(clock, 1826); // CA 1 expired: the application server renews with CA 2
    await appMovesTo(2);
    const e = await deviceCheck(early);
    expect(e).toMatchObject({ accepted: true, promoted: true, generation: 2 });
    expect(e.fetched).toBeUndefined();
    // The download address now presents CA 1's certificate (it serves generation 2): a
    // device on generation 2 does not take it for its download server.
    expect(["rejected", "unreachable"]).toContain(e.polled?.result);
    expect(await deviceCheck(late)).toMatchObject({ accepted: true, promoted: true, generation: 2, fetched: { result: "stored-next" } });
  });

  it("FIG. 9: CA 2 revoked while the download server for 3 runs; the polling device promotes from next, the other fetches at once", async () => {
    clock = addDays(await newestNotAfter(), -1826);
    expect((await runGenerationSchedule({ now: clock, lineage: "R" }))[0].created).toMatchObject({ generation: 3 });
    await downloads.refresh();
    expect(await devicePoll(early)).toMatchObject({ result: "stored-next", generation: 3 });

    clock = addDays(clock, 10);
    await revokeGenerationNow(actor, "R", 2, "key compromise", { now: clock });
    await downloads.refresh();
    served3 = await appMovesTo(3);
    const e = await deviceCheck(early);
    expect(e).toMatchObject({ accepted: true, promoted: true, generation: 3 });
    expect(e.fetched).toBeUndefined();
    expect(await deviceCheck(late)).toMatchObject({ accepted: true, promoted: true, generation: 3, fetched: { result: "stored-next", generation: 3 } });
  });

  it("FIG. 8: CA 3 revoked before a download server for 4 exists; generation 4 at once; the device fetches when judging fails", async () => {
    expect((await devicePoll(early)).result).not.toBe("stored-next"); // nothing for 4 yet
    clock = addDays(clock, 30);
    const r = await revokeGenerationNow(actor, "R", 3, "key compromise", { now: clock });
    expect(r.created).toMatchObject({ generation: 4 });
    await downloads.refresh();
    await appMovesTo(4);
    for (const f of [early, late]) {
      expect(await deviceCheck(f)).toMatchObject({ accepted: true, promoted: true, generation: 4, fetched: { result: "stored-next", generation: 4 } });
      expect(slotsOf(f)).toEqual({ current: 4, next: null });
    }
    // Nothing older is accepted any more.
    app.up(served3, {});
    const before = fs.readFileSync(early);
    expect(await deviceCheck(early)).toMatchObject({ accepted: false, generation: 4 });
    expect(fs.readFileSync(early).equals(before)).toBe(true);
  });
});
