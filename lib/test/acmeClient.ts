/**
 * A small ACME client for in-process tests (jose for the JWS): it calls a ProtocolHandler
 * (lib/acme/http.ts's acmeHandler) directly with a Request, as lib/http/fastPath does.
 * Every step is a method; `send` and `jws` are exposed so tests can build bad requests.
 */
import { createServer, type Server } from "node:http";
import { afterAll, beforeAll } from "vitest";
import { calculateJwkThumbprint, exportJWK, FlattenedSign, generateKeyPair, type JWK } from "jose";
import type { ProtocolContext, ProtocolHandler } from "../http/protocols";
import { x509 } from "./x509";

export interface AcmeKey {
  alg: "ES256" | "ES384" | "RS256" | "EdDSA";
  privateKey: CryptoKey;
  jwk: JWK;
}

export async function acmeKey(alg: AcmeKey["alg"] = "ES256"): Promise<AcmeKey> {
  const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true, ...(alg === "EdDSA" ? { crv: "Ed25519" } : {}) });
  return { alg, privateKey, jwk: await exportJWK(publicKey) };
}

export interface AcmeReply {
  status: number;
  headers: Headers;
  body: unknown;
  text: string;
}

export interface JwsOptions {
  key?: AcmeKey;
  /** Sign with jwk instead of kid. */
  useJwk?: boolean;
  nonce?: string | null;
  url?: string;
  header?: Record<string, unknown>;
}

export class AcmeClient {
  readonly ctx: ProtocolContext;
  kid: string | null = null;
  private nonces: string[] = [];
  dir: Record<string, string> = {};

  constructor(
    readonly handler: ProtocolHandler,
    readonly issuer: string,
    public key: AcmeKey,
    baseUrl = "http://acme.test",
  ) {
    this.ctx = { baseUrl, remoteAddress: "127.0.0.1", secure: false, clientCertificateDer: null };
  }

  get directoryUrl(): string {
    return `${this.ctx.baseUrl}/acme/${encodeURIComponent(this.issuer)}/directory`;
  }

  async request(url: string, init: RequestInit = {}): Promise<AcmeReply> {
    const r = await this.handler(new Request(url, init), this.ctx);
    const nonce = r.headers.get("replay-nonce");
    if (nonce) this.nonces.push(nonce);
    const text = await r.text();
    let body: unknown = text;
    if ((r.headers.get("content-type") ?? "").includes("json")) body = JSON.parse(text);
    return { status: r.status, headers: r.headers, body, text };
  }

  async directory(): Promise<Record<string, string>> {
    const r = await this.request(this.directoryUrl);
    if (r.status !== 200) throw new Error(`directory: ${r.status} ${r.text}`);
    this.dir = r.body as Record<string, string>;
    return this.dir;
  }

  async nonce(): Promise<string> {
    const n = this.nonces.pop();
    if (n) return n;
    if (!this.dir.newNonce) await this.directory();
    const r = await this.request(this.dir.newNonce, { method: "HEAD" });
    return r.headers.get("replay-nonce")!;
  }

  /** A flattened JWS over `payload` (undefined: POST-as-GET, string: sent as is). */
  async jws(url: string, payload: unknown, o: JwsOptions = {}): Promise<Record<string, string>> {
    const key = o.key ?? this.key;
    const bytes = payload === undefined ? new Uint8Array() : new TextEncoder().encode(typeof payload === "string" ? payload : JSON.stringify(payload));
    const nonce = o.nonce === null ? undefined : (o.nonce ?? (await this.nonce()));
    const header: Record<string, unknown> = { alg: key.alg, url: o.url ?? url, ...(nonce !== undefined ? { nonce } : {}), ...(o.useJwk || !this.kid ? { jwk: key.jwk } : { kid: this.kid }), ...(o.header ?? {}) };
    for (const k of Object.keys(header)) if (header[k] === undefined) delete header[k];
    return (await new FlattenedSign(bytes).setProtectedHeader(header as never).sign(key.privateKey)) as unknown as Record<string, string>;
  }

  send(url: string, body: unknown, contentType = "application/jose+json"): Promise<AcmeReply> {
    return this.request(url, { method: "POST", headers: { "Content-Type": contentType }, body: typeof body === "string" ? body : JSON.stringify(body) });
  }

  async post(url: string, payload?: unknown, o: JwsOptions = {}): Promise<AcmeReply> {
    return this.send(url, await this.jws(url, payload, o));
  }

  async register(payload: Record<string, unknown> = { termsOfServiceAgreed: true }): Promise<AcmeReply> {
    if (!this.dir.newAccount) await this.directory();
    const r = await this.post(this.dir.newAccount, payload, { useJwk: true });
    if (r.status === 200 || r.status === 201) this.kid = r.headers.get("location");
    return r;
  }

  async thumbprint(): Promise<string> {
    return calculateJwkThumbprint(this.key.jwk, "sha256");
  }

  async newOrder(names: string[], extra: Record<string, unknown> = {}): Promise<AcmeReply> {
    return this.post(this.dir.newOrder, { identifiers: names.map((n) => ({ type: /^[\d.]+$|:/.test(n) ? "ip" : "dns", value: n })), ...extra });
  }

  /** Polls a resource (POST-as-GET) until its status leaves pending/processing. */
  async poll(url: string, timeoutMs = 10_000): Promise<AcmeReply> {
    const until = Date.now() + timeoutMs;
    for (;;) {
      const r = await this.post(url);
      const s = (r.body as { status?: string }).status;
      if ((s !== "pending" && s !== "processing") || Date.now() > until) return r;
      await new Promise((res) => setTimeout(res, 20));
    }
  }
}

/** A CSR for names (SANs; CN = the first unless `cn` is null), with its key, made by @peculiar/x509. */
export async function acmeCsr(names: string[], o: { cn?: string | null; keys?: CryptoKeyPair } = {}) {
  const alg = { name: "ECDSA", namedCurve: "P-256", hash: "SHA-256" };
  const keys = o.keys ?? ((await crypto.subtle.generateKey(alg, true, ["sign", "verify"])) as CryptoKeyPair);
  const cn = o.cn === undefined ? names[0] : o.cn;
  const csr = await x509.Pkcs10CertificateRequestGenerator.create({
    name: cn ? `CN=${cn}` : [],
    keys,
    signingAlgorithm: alg,
    extensions: [new x509.SubjectAlternativeNameExtension(names.map((n) => (/^[\d.]+$|:/.test(n) ? { type: "ip" as const, value: n } : { type: "dns" as const, value: n })))],
  });
  return { der: new Uint8Array(csr.rawData), keys };
}

/** An http-01 responder on loopback: serve(token, keyAuthorization). */
export async function http01Responder(): Promise<{ port: number; server: Server; serve(token: string, body: string): void; close(): Promise<void>; hits: string[] }> {
  const answers = new Map<string, string>();
  const hits: string[] = [];
  const server = createServer((req, res) => {
    hits.push(`${req.headers.host} ${req.url}`);
    const token = (req.url ?? "").replace("/.well-known/acme-challenge/", "");
    const body = answers.get(token);
    res.writeHead(body === undefined ? 404 : 200, { "Content-Type": "text/plain" });
    res.end(body ?? "not found");
  });
  await new Promise<void>((ok) => server.listen(0, "127.0.0.1", ok));
  return {
    port: (server.address() as { port: number }).port,
    server,
    hits,
    serve: (token, body) => void answers.set(token, body),
    close: () => new Promise((ok) => server.close(() => ok())),
  };
}

// ---------------------------------------------------------------- in-process fixtures

export const ISSUER = "acme-ca";

/**
 * The ACME issuer (policy: rootline.test, 127.0.0.0/8) and an http-01 responder the
 * validator reaches through ROOTLINE_ACME_HTTP01_PORT and ROOTLINE_ACME_HOSTS.
 */
export async function setUp(names = ["app.rootline.test", "www.rootline.test", "key.rootline.test", "bad.rootline.test", "a.rootline.test", "b.rootline.test", "renew.rootline.test", "other.rootline.test"]) {
  const { createIssuer } = await import("../issuers/service");
  const { setAcmePolicy } = await import("../acme/policy");
  const admin = { kind: "cli", name: "t", role: "administrator" } as const;
  await createIssuer(admin, { name: ISSUER, keyType: "ec-p256" });
  await setAcmePolicy(admin, ISSUER, { allowDns: "rootline.test", allowIp: "127.0.0.0/8" });
  const responder = await http01Responder();
  process.env.ROOTLINE_ACME_HTTP01_PORT = String(responder.port);
  process.env.ROOTLINE_ACME_HOSTS = names.map((n) => `${n}=127.0.0.1`).join(",");
  return { responder, admin };
}

export async function acmeClientFor(alg: AcmeKey["alg"] = "ES256", issuer = ISSUER): Promise<AcmeClient> {
  const { acmeHandler } = await import("../acme/http");
  const c = new AcmeClient(acmeHandler, issuer, await acmeKey(alg));
  await c.directory();
  return c;
}

type Responder = Awaited<ReturnType<typeof http01Responder>>;

/**
 * newOrder → every http-01 challenge answered by `responder` → (finalize with a fresh
 * key unless told not to) → the order. `extra`: newOrder fields (replaces).
 */
export async function validatedOrder(c: AcmeClient, responder: Responder, names: string[], o: { finalize?: boolean; extra?: Record<string, unknown>; cn?: string | null } = {}) {
  const created = await c.newOrder(names, o.extra);
  if (created.status !== 201) throw new Error(`newOrder: ${created.status} ${created.text}`);
  const orderUrl = created.headers.get("location")!;
  const { authorizations, finalize } = created.body as { authorizations: string[]; finalize: string };
  const thumbprint = await c.thumbprint();
  for (const a of authorizations) {
    const authz = (await c.post(a)).body as { challenges: { type: string; url: string; token: string }[] };
    const ch = authz.challenges.find((x) => x.type === "http-01")!;
    responder.serve(ch.token, `${ch.token}.${thumbprint}`);
    await c.post(ch.url, {});
    const done = await c.poll(a);
    if ((done.body as { status: string }).status !== "valid") throw new Error(`authorization ${a}: ${done.text}`);
  }
  const ready = await c.post(orderUrl);
  if ((ready.body as { status: string }).status !== "ready") throw new Error(`order not ready: ${ready.text}`);
  if (o.finalize === false) return { order: ready.body as Record<string, string>, orderUrl, finalize, certDer: new Uint8Array(), certKeys: null as unknown as CryptoKeyPair };
  const csr = await acmeCsr(names, { cn: o.cn });
  const fin = await c.post(finalize, { csr: Buffer.from(csr.der).toString("base64url") });
  if (fin.status !== 200) throw new Error(`finalize: ${fin.status} ${fin.text}`);
  const order = fin.body as Record<string, string>;
  const chain = await c.post(order.certificate);
  const { parseCertificateChain } = await import("../pki/certificate");
  return { order, orderUrl, finalize, certDer: parseCertificateChain(chain.text)[0].der, certKeys: csr.keys };
}

/** setUp for a test file, torn down after it (validations settled, responder closed). */
export function acmeTestEnv(): Awaited<ReturnType<typeof setUp>> {
  const env = {} as Awaited<ReturnType<typeof setUp>>;
  beforeAll(async () => {
    Object.assign(env, await setUp());
  });
  afterAll(async () => {
    const { settleValidations } = await import("../acme/validation");
    await settleValidations();
    await env.responder?.close();
  });
  return env;
}
