import net from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { emptyState, raiseRevocationNumber, trust, type DeviceState } from "./state";
import { deadPort, issueLeaf, makeCa, startTlsServer, type RunningServer, type TestCa } from "../test/device";
import { checkTlsServer, openJudgedTls } from "./tlsCheck";

let ca: TestCa;
let rsaCa: TestCa;
let impostor: TestCa;
let stranger: TestCa;
let state: DeviceState;
const servers: RunningServer[] = [];

async function serverFor(c: TestCa, serial: bigint): Promise<number> {
  const s = await startTlsServer(await issueLeaf(c, serial));
  servers.push(s);
  return s.port;
}

beforeAll(async () => {
  [ca, rsaCa, impostor, stranger] = await Promise.all([makeCa("CN=TLS CA"), makeCa("CN=TLS RSA CA", "rsa-2048"), makeCa("CN=TLS CA"), makeCa("CN=Stranger")]);
  let s = trust(emptyState(), ca.certDer).state;
  s = trust(s, rsaCa.certDer).state;
  state = raiseRevocationNumber(s, s.cas[0].keySha256, 5n);
});
afterAll(() => Promise.all(servers.map((s) => s.close())));

describe("checkTlsServer over real TLS", () => {
  it.each<[string, string, () => Promise<number>]>([
    ["a server with serial >= RN", "valid", () => serverFor(ca, 5n)],
    ["a server of another CA key type (RSA CA, RN 0)", "valid", () => serverFor(rsaCa, 1n)],
    ["a server with serial < RN", "revoked", () => serverFor(ca, 4n)],
    ["a server certified by an unknown CA", "unknown-issuer", () => serverFor(stranger, 9n)],
    ["a server whose certificate names the CA but was signed by another key", "signature", () => serverFor(impostor, 9n)],
    ["nothing listening", "unreachable", () => deadPort()],
  ])("%s → %s", async (_n, want, port) => {
    const r = await checkTlsServer(state, { host: "127.0.0.1", port: await port(), timeoutMs: 5000 });
    expect(r.valid ? "valid" : r.code).toBe(want);
  });

  it("a server that accepts TCP but never completes a handshake is unreachable after the timeout", async () => {
    // resume(): read (and drop) what the client sends, so its hang-up is noticed and close() can finish.
    const silent = net.createServer((s) => s.resume());
    await new Promise<void>((r) => silent.listen(0, "127.0.0.1", r));
    try {
      const t0 = Date.now();
      const r = await checkTlsServer(state, { host: "127.0.0.1", port: (silent.address() as net.AddressInfo).port, timeoutMs: 300 });
      expect(r).toMatchObject({ valid: false, code: "unreachable" });
      expect(Date.now() - t0).toBeLessThan(3000);
    } finally {
      await new Promise<void>((r) => silent.close(() => r()));
    }
  });

  it("a plain-text server is unreachable (no TLS)", async () => {
    const plain = net.createServer((s) => s.resume().end("HTTP/1.1 200 OK\r\n\r\nhello"));
    await new Promise<void>((r) => plain.listen(0, "127.0.0.1", r));
    try {
      const r = await checkTlsServer(state, { host: "127.0.0.1", port: (plain.address() as net.AddressInfo).port, timeoutMs: 3000 });
      expect(r).toMatchObject({ valid: false, code: "unreachable" });
    } finally {
      await new Promise<void>((r) => plain.close(() => r()));
    }
  });

  it("hands back a usable connection only when the server is valid", async () => {
    const ok = await openJudgedTls(state, { host: "127.0.0.1", port: await serverFor(ca, 6n) });
    expect(ok.ok).toBe(true);
    if (!ok.ok) return;
    const answer = await new Promise<string>((resolve) => {
      ok.socket.once("data", (d) => resolve(d.toString()));
      ok.socket.write("ping");
    });
    expect(answer).toBe("hello\n");
    ok.socket.destroy();

    const bad = await openJudgedTls(state, { host: "127.0.0.1", port: await serverFor(ca, 1n) });
    expect(bad).toMatchObject({ ok: false, result: { code: "revoked" } });
  });
});
