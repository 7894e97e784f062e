/**
 * Test helpers for the device and revocation tests: real CAs and certificates from
 * lib/pki, real TLS and HTTP servers on 127.0.0.1 with ephemeral ports. Not used by
 * production code.
 */
import http from "node:http";
import type { AddressInfo } from "node:net";
import tls from "node:tls";
import { exportPkcs8, exportSpki, generateKeyPair, toKeyObject, type KeyType } from "../pki/keys";
import { createCaCertificate, createIssuerSigner, type IssuerSigner } from "../pki/issue";
import { pemEncode } from "../pki/pem";
import type { ProfileName } from "../pki/profiles";

export interface TestCa {
  certDer: Uint8Array;
  keyPkcs8: Uint8Array;
  keyType: KeyType;
  signer: IssuerSigner;
}

export interface TestLeaf {
  certDer: Uint8Array;
  keyPkcs8: Uint8Array;
  serial: bigint;
}

const NOT_BEFORE = new Date("2026-01-01T00:00:00Z");

export async function makeCa(subject: string, keyType: KeyType = "ec-p256"): Promise<TestCa> {
  const keyPair = await generateKeyPair(keyType);
  const keyPkcs8 = await exportPkcs8(keyPair.privateKey);
  const certDer = await createCaCertificate({ subject, keyPair, notBefore: NOT_BEFORE, notAfter: new Date("2046-01-01T00:00:00Z"), serial: 1n });
  return { certDer, keyPkcs8, keyType, signer: createIssuerSigner({ certDer, privateKey: toKeyObject(keyPkcs8) }) };
}

export interface LeafOptions {
  subject?: string;
  profile?: ProfileName;
  /** Validity; tests of the no-clock rule pass dates long past. */
  notBefore?: Date;
  notAfter?: Date;
  /** Default: IP:127.0.0.1, where the test servers listen. */
  sans?: string[];
}

export async function issueLeaf(ca: TestCa, serial: bigint, o: LeafOptions = {}): Promise<TestLeaf> {
  const keyPair = await generateKeyPair("ec-p256");
  const certDer = ca.signer.issue({
    subject: o.subject ?? `CN=server-${serial}`,
    subjectPublicKeySpki: await exportSpki(keyPair.publicKey),
    serial,
    notBefore: o.notBefore ?? NOT_BEFORE,
    notAfter: o.notAfter ?? new Date("2027-02-01T00:00:00Z"),
    profile: o.profile ?? "server",
    sans: o.sans ?? ["IP:127.0.0.1"],
  });
  return { certDer, keyPkcs8: await exportPkcs8(keyPair.privateKey), serial };
}

export interface RunningServer {
  port: number;
  close(): Promise<void>;
}

/** A TLS server presenting `leaf`; it answers "hello\n" to whatever a client sends. */
export async function startTlsServer(leaf: Pick<TestLeaf, "certDer" | "keyPkcs8">): Promise<RunningServer> {
  const sockets = new Set<tls.TLSSocket>();
  const server = tls.createServer({ cert: pemEncode("CERTIFICATE", leaf.certDer), key: pemEncode("PRIVATE KEY", leaf.keyPkcs8) }, (s) => {
    sockets.add(s);
    s.on("close", () => sockets.delete(s));
    s.on("error", () => {});
    s.on("data", () => s.end("hello\n"));
  });
  server.on("tlsClientError", () => {});
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  return {
    port: (server.address() as AddressInfo).port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const s of sockets) s.destroy();
      }),
  };
}

export async function startHttpServer(handler: http.RequestListener): Promise<RunningServer & { url: string }> {
  const server = http.createServer(handler);
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const port = (server.address() as AddressInfo).port;
  const close = () =>
    new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    });
  return { port, url: `http://127.0.0.1:${port}`, close };
}

/** A port nothing listens on (bound, then released). */
export async function deadPort(): Promise<number> {
  const s = http.createServer();
  await new Promise<void>((r) => s.listen(0, "127.0.0.1", r));
  const port = (s.address() as AddressInfo).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}
