import type http from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { signRevocationInfo } from "../revocation-info/info";
import { startTlsRepository } from "../revocation/tlsRepository";
import { refreshRevocationNumber } from "./remote";
import { emptyState, trust, type DeviceState } from "./state";
import { issueLeaf, makeCa, startHttpServer, startTlsServer, type RunningServer, type TestCa } from "../test/device";
import { checkTlsServer } from "./tlsCheck";

/**
 * Certificates of the right CA in the wrong role, over real TLS (and real HTTP for the
 * signed form). Chain and serial alone are not enough: every certificate of a CA is
 * signed by the same key, so a device's client certificate, or any server's, would
 * otherwise pass as the bare-RN repository and raise the RN up to its own serial.
 */

let ca: TestCa;
let caB: TestCa;
const closers: (() => Promise<void>)[] = [];
afterAll(() => Promise.all(closers.map((c) => c())));

beforeAll(async () => {
  [ca, caB] = await Promise.all([makeCa("CN=Role CA"), makeCa("CN=Role CA B")]);
});

const device = (): DeviceState => trust(trust(emptyState(), ca.certDer, "role-ca").state, caB.certDer, "role-ca-b").state;

/** A TLS repository (the real one) presenting a leaf of `ca` issued with this profile. */
async function repositoryWith(profile: "client" | "server" | "both" | "repository", serial: bigint, sans?: string[]) {
  const leaf = await issueLeaf(ca, serial, { profile, subject: "CN=rootline-repository", sans });
  let asked = 0;
  const repo = await startTlsRepository({
    port: 0,
    certDer: leaf.certDer,
    keyPkcs8: leaf.keyPkcs8,
    getRevocationNumber: async () => {
      asked++;
      return serial; // an impostor pushes the RN as high as its own certificate allows
    },
  });
  closers.push(() => repo.close());
  return { url: repo.url, asked: () => asked };
}

describe("the bare-RN repository must be the repository", () => {
  it.each<[string, "client" | "server" | "both", string]>([
    ["a device's client certificate (clientAuth only)", "client", "serverAuth is required"],
    ["an ordinary server certificate (serverAuth, no repository marker)", "server", "repository marker"],
    ["a server+client certificate", "both", "repository marker"],
  ])("%s posing as the repository is rejected before it is asked anything", async (_n, profile, detail) => {
    const impostor = await repositoryWith(profile, 500n);
    const r = await refreshRevocationNumber(device(), { repository: impostor.url, issuer: "role-ca", bare: true, timeoutMs: 5000 });
    expect(r.outcome).toMatchObject({ result: "repository-rejected", code: "purpose", revocationNumber: 0n });
    expect(r.outcome.detail).toContain(detail);
    expect(r.state.cas[0].revocationNumber).toBe(0n);
    expect(impostor.asked()).toBe(0);
  });

  it("the genuine repository certificate is accepted", async () => {
    const genuine = await repositoryWith("repository", 40n);
    const r = await refreshRevocationNumber(device(), { repository: genuine.url, issuer: "role-ca", bare: true, timeoutMs: 5000 });
    expect(r.outcome).toMatchObject({ result: "updated", revocationNumber: 40n, repositorySerial: 40n });
  });

  it("a repository certificate that does not name the host in the URL is rejected", async () => {
    const elsewhere = await repositoryWith("repository", 41n, ["DNS:repository.example"]);
    const r = await refreshRevocationNumber(device(), { repository: elsewhere.url, issuer: "role-ca", bare: true, timeoutMs: 5000 });
    expect(r.outcome).toMatchObject({ result: "repository-rejected", code: "hostname", revocationNumber: 0n });
    expect(elsewhere.asked()).toBe(0);
  });
});

describe("device check: a server must be a TLS server certificate for this host", () => {
  async function serve(profile: "client" | "server", subject: string, sans?: string[]): Promise<number> {
    const s: RunningServer = await startTlsServer(await issueLeaf(ca, 9n, { profile, subject, sans }));
    closers.push(() => s.close());
    return s.port;
  }

  it.each<[string, string, () => Promise<number>]>([
    ["a server certificate naming 127.0.0.1", "valid", () => serve("server", "CN=ok")],
    ["a certificate without serverAuth (a client certificate)", "purpose", () => serve("client", "CN=client-device")],
    ["a server certificate for another host", "hostname", () => serve("server", "CN=ok", ["DNS:printer-7.example"])],
    ["a server certificate for another IP", "hostname", () => serve("server", "CN=ok", ["IP:127.0.0.2"])],
    ["a CN naming the host does not count (no CN fallback)", "hostname", () => serve("server", "CN=127.0.0.1", ["DNS:other.example"])],
  ])("%s → %s", async (_n, want, port) => {
    const r = await checkTlsServer(device(), { host: "127.0.0.1", port: await port(), timeoutMs: 5000 });
    expect(r.valid ? "valid" : r.code).toBe(want);
  });
});

describe("signed form: a statement for another issuer than the one asked for", () => {
  let server: RunningServer & { url: string };
  let body: Uint8Array = new Uint8Array();
  beforeAll(async () => {
    server = await startHttpServer(((_q, res) => res.end(body)) as http.RequestListener);
    closers.push(() => server.close());
  });

  it("B's authentic statement served for A is rejected and changes nothing (neither A nor B)", async () => {
    body = signRevocationInfo({ issuerName: "role-ca-b", issuerCertDer: caB.certDer, privateKey: caB.keyPkcs8, revocationNumber: 7n }).der;
    const before = device();
    const r = await refreshRevocationNumber(before, { repository: `${server.url}/api/repository`, issuer: "role-ca", timeoutMs: 5000 });
    expect(r.outcome).toMatchObject({ result: "wrong-issuer", issuer: "role-ca" });
    expect(r.outcome.detail).toContain('for issuer "role-ca-b", not "role-ca"');
    expect(r.state).toBe(before);
  });

  it("A's statement under another name, signed with A's own key, is rejected too", async () => {
    body = signRevocationInfo({ issuerName: "renamed", issuerCertDer: ca.certDer, privateKey: ca.keyPkcs8, revocationNumber: 7n }).der;
    const r = await refreshRevocationNumber(device(), { repository: `${server.url}/api/repository`, issuer: "role-ca", timeoutMs: 5000 });
    expect(r.outcome).toMatchObject({ result: "wrong-issuer", revocationNumber: 0n });
  });

  it("A's own statement is applied", async () => {
    body = signRevocationInfo({ issuerName: "role-ca", issuerCertDer: ca.certDer, privateKey: ca.keyPkcs8, revocationNumber: 7n }).der;
    const r = await refreshRevocationNumber(device(), { repository: `${server.url}/api/repository`, issuer: "role-ca", timeoutMs: 5000 });
    expect(r.outcome).toMatchObject({ result: "updated", revocationNumber: 7n });
  });
});
