import https from "node:https";
import net from "node:net";
import tls from "node:tls";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseCertificateDer } from "../pki/certificate";
import { issueLeaf, makeCa, type TestCa, type TestLeaf } from "../test/device";
import { startTlsRepository, type TlsRepository } from "./tlsRepository";

let ca: TestCa;
let cert1: TestLeaf;
let cert2: TestLeaf;
let repo: TlsRepository;
const rns = new Map<string, bigint>([
  ["acme", 4n],
  ["big issuer", 2n ** 100n],
]);

beforeAll(async () => {
  ca = await makeCa("CN=Repo CA");
  [cert1, cert2] = await Promise.all([issueLeaf(ca, 10n, { profile: "repository" }), issueLeaf(ca, 11n, { profile: "repository" })]);
  repo = await startTlsRepository({
    port: 0,
    certDer: cert1.certDer,
    keyPkcs8: cert1.keyPkcs8,
    basePath: "/api/repository",
    getRevocationNumber: async (name) => {
      if (name === "broken") throw new Error("db down");
      return rns.get(name) ?? null;
    },
  });
});
afterAll(() => repo.close());

/** GET over TLS; returns status, body and the serial of the certificate the server showed. */
function tlsGet(path: string, port = repo.port, method = "GET"): Promise<{ status: number; body: string; serial: bigint }> {
  return new Promise((resolve, reject) => {
    const req = https.request({ host: "127.0.0.1", port, path, method, rejectUnauthorized: false, agent: false }, (res) => {
      const serial = parseCertificateDer(new Uint8Array((res.socket as tls.TLSSocket).getPeerCertificate(true).raw)).serial;
      let body = "";
      res.on("data", (d) => (body += d));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body, serial }));
    });
    req.on("error", reject);
    req.end();
  });
}

/** Raw plain-text TCP exchange: everything the server sends until it closes. */
function plainExchange(payload: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const s = net.connect(repo.port, "127.0.0.1", () => s.write(payload));
    let got = "";
    s.on("data", (d) => (got += d.toString("latin1")));
    s.on("close", () => resolve(got));
    s.on("error", reject);
    s.setTimeout(5000, () => reject(new Error("the server did not close the plain connection")));
  });
}

describe("TLS repository (second form)", () => {
  it("serves the bare RN as decimal text over TLS", async () => {
    expect(await tlsGet("/api/repository/acme/revocation-number")).toMatchObject({ status: 200, body: "4\n", serial: 10n });
    expect(await tlsGet(`/api/repository/${encodeURIComponent("big issuer")}/revocation-number`)).toMatchObject({ status: 200, body: `${2n ** 100n}\n` });
  });

  it("answers 404 for unknown issuers and paths, 405 for other methods, 503 when the source fails", async () => {
    expect((await tlsGet("/api/repository/nobody/revocation-number")).status).toBe(404);
    expect((await tlsGet("/acme/revocation-number")).status).toBe(404);
    expect((await tlsGet("/api/repository/acme/revocation-info")).status).toBe(404);
    expect((await tlsGet("/api/repository/acme/revocation-number", repo.port, "POST")).status).toBe(405);
    expect((await tlsGet("/api/repository/broken/revocation-number")).status).toBe(503);
  });

  it("refuses a plain-text HTTP request on the same port with 400 'use TLS', closes, and never sends the RN", async () => {
    const answer = await plainExchange("GET /api/repository/acme/revocation-number HTTP/1.1\r\nHost: x\r\n\r\n");
    expect(answer).toMatch(/^HTTP\/1\.1 400 Bad Request\r\n/);
    expect(answer).toContain("use TLS");
    expect(answer.split("\r\n\r\n")[1]).not.toMatch(/\b4\b/);
  });

  it("still recognises TLS when the ClientHello arrives one byte at a time", async () => {
    // A relay that forwards the client's bytes to the repository one by one.
    const relay = net.createServer((client) => {
      const upstream = net.connect(repo.port, "127.0.0.1");
      upstream.on("data", (d) => client.write(d));
      upstream.on("close", () => client.destroy());
      client.on("close", () => upstream.destroy());
      client.on("error", () => upstream.destroy());
      upstream.on("error", () => client.destroy());
      let chain = Promise.resolve();
      client.on("data", (d: Buffer) => {
        for (const b of d) chain = chain.then(() => new Promise<void>((r) => upstream.write(Buffer.from([b]), () => setImmediate(r))));
      });
    });
    await new Promise<void>((r) => relay.listen(0, "127.0.0.1", r));
    try {
      const port = (relay.address() as net.AddressInfo).port;
      expect(await tlsGet("/api/repository/acme/revocation-number", port)).toMatchObject({ status: 200, body: "4\n" });
    } finally {
      await new Promise<void>((r) => relay.close(() => r()));
    }
  });

  it("drops a connection that never says anything", async () => {
    const quiet = await startTlsRepository({ port: 0, certDer: cert1.certDer, keyPkcs8: cert1.keyPkcs8, handshakeTimeoutMs: 200, getRevocationNumber: async () => 1n });
    try {
      const closedAfter = await new Promise<number>((resolve) => {
        const t0 = Date.now();
        const s = net.connect(quiet.port, "127.0.0.1");
        s.on("close", () => resolve(Date.now() - t0));
        s.on("error", () => {});
      });
      expect(closedAfter).toBeGreaterThanOrEqual(150);
      expect(closedAfter).toBeLessThan(3000);
    } finally {
      await quiet.close();
    }
  });

  it("swaps its certificate without restarting (after the repository renewed it)", async () => {
    repo.setCertificate(cert2.certDer, cert2.keyPkcs8);
    try {
      expect((await tlsGet("/api/repository/acme/revocation-number")).serial).toBe(11n);
    } finally {
      repo.setCertificate(cert1.certDer, cert1.keyPkcs8);
    }
    expect((await tlsGet("/api/repository/acme/revocation-number")).serial).toBe(10n);
  });

  it("reports an https URL with its base path", () => {
    expect(repo.url).toBe(`https://127.0.0.1:${repo.port}/api/repository`);
  });
});
