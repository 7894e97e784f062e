/**
 * The messages between the CA's run engine and node agents (docs/ROTATION_RUNS.md).
 * Every message is a JWS (compact serialization) signed end to end, so relays carry
 * what they cannot forge:
 * - update requests: signed by the CA with a root key the target holds when the request
 *   arrives (old or new: lib/rotation-run/context.ts signingKey);
 * - results and status reports: signed by the node's own key, registered at provisioning.
 * Relays read the (unverified) payload only to route it. Used by the CA and by agents;
 * no database imports.
 */
import { CompactSign, compactVerify, decodeProtectedHeader } from "jose";
import { createPublicKey, X509Certificate, type KeyObject } from "node:crypto";
import { z } from "zod";

export const PROTOCOL_VERSION = 1;

/** Task kinds a node receives (the CA's own create-root / create-root-bundle never travel). */
export const NODE_TASK_KINDS = ["store-root", "store-cert", "replace-root", "bundle", "discard-old"] as const;
export type NodeTaskKind = (typeof NODE_TASK_KINDS)[number];

/** PEM texts the request delivers (SPEC 4.2/4.3): which ones depends on the kind. */
export const UpdateItems = z
  .object({
    /** Distribution root certificate: new public key, signed with the old root key. */
    distribution: z.string().max(16_384).optional(),
    /** New self-signed root certificate. */
    newRoot: z.string().max(16_384).optional(),
    /** The node's existing public key, re-signed with the new root key. */
    certificate: z.string().max(16_384).optional(),
  })
  .strict();
export type UpdateItems = z.infer<typeof UpdateItems>;

const NodeId = z.string().min(1).max(200);

/** Fields every message carries: the version, and which node of which topology it concerns. */
const MessageBase = z.object({
  v: z.literal(PROTOCOL_VERSION),
  /** Topology id: node ids are unique within a topology only. */
  topology: z.string().min(1).max(100),
  node: NodeId,
});

/** A request and its result name the same run, task and attempt. */
const TaskBase = MessageBase.extend({
  run: z.string().min(1).max(100),
  task: z.string().min(1).max(300),
  attempt: z.number().int().min(1),
});

export const UpdateRequest = TaskBase.extend({
  type: z.literal("update"),
  group: z.string().min(1).max(200),
  kind: z.enum(NODE_TASK_KINDS),
  /** Relay path: route[0] is the direct node that picked it up from the CA, the last is `node`. */
  route: z.array(NodeId).min(1).max(64),
  items: UpdateItems,
  /** Issued at (ms since epoch). */
  iat: z.number().int(),
}).strict();
export type UpdateRequest = z.infer<typeof UpdateRequest>;

/** What a node holds in one group after a task: shown on the run page, checked by tests. */
export const StoreSummary = z
  .object({
    group: z.string(),
    roots: z.array(z.object({ subject: z.string(), fingerprint: z.string(), selfSigned: z.boolean() }).strict()).max(16),
    certificates: z.array(z.object({ issuer: z.string(), serial: z.string(), fingerprint: z.string() }).strict()).max(16),
  })
  .strict();
export type StoreSummary = z.infer<typeof StoreSummary>;

export const TaskResult = TaskBase.extend({
  type: z.literal("result"),
  /** delayed: received, the result follows on a later connection (SPEC 4.5). */
  outcome: z.enum(["succeeded", "failed", "delayed"]),
  /** Why it failed, e.g. "the distribution root certificate does not verify with any held root". */
  error: z.string().max(2000).optional(),
  store: StoreSummary.optional(),
  at: z.number().int(),
}).strict();
export type TaskResult = z.infer<typeof TaskResult>;

export const HandshakeResult = z.enum(["ok", "fallback", "failed"]);
export type HandshakeResult = z.infer<typeof HandshakeResult>;

/** One line of an agent's handshakes.jsonl (the contract), and the last one per peer in a status. */
export const HandshakeRecord = z
  .object({
    at: z.string(),
    peer: z.string(),
    role: z.enum(["client", "server"]),
    result: HandshakeResult,
    reason: z.string().optional(),
    group: z.string().optional(),
  })
  .strict();
export type HandshakeRecord = z.infer<typeof HandshakeRecord>;

export const NodeStatus = MessageBase.extend({
  type: z.literal("status"),
  at: z.number().int(),
  stores: z.array(StoreSummary).max(64),
  /** Last handshake with each counterpart, per role. */
  peers: z.array(HandshakeRecord).max(10_000),
  /** Envelopes waiting in this agent for a counterpart's next connection. */
  pending: z.number().int().min(0),
}).strict();
export type NodeStatus = z.infer<typeof NodeStatus>;

/** A direct node's poll of the CA (POST /api/rotation/agent, body = this payload as JWS). */
export const AgentPoll = MessageBase.extend({
  type: z.literal("poll"),
  at: z.number().int(),
  /** Results and status reports (JWS) of this node and of nodes it relays for. */
  envelopes: z.array(z.string().max(65_536)).max(10_000),
}).strict();
export type AgentPoll = z.infer<typeof AgentPoll>;

/** The CA's answer to a poll: update requests (JWS) whose route starts at the polling node. */
export const PollReply = z
  .object({
    envelopes: z.array(z.string()),
    pollAfterMs: z.number().int().optional(),
    /** Inner envelopes of the poll the CA refused (bad signature, other topology, malformed): position and why. */
    rejected: z.array(z.object({ index: z.number().int(), error: z.string() }).strict()).optional(),
  })
  .strict();
export type PollReply = z.infer<typeof PollReply>;

export type Message = UpdateRequest | TaskResult | NodeStatus | AgentPoll;
const MESSAGE = z.discriminatedUnion("type", [UpdateRequest, TaskResult, NodeStatus, AgentPoll]);

export class EnvelopeError extends Error {}

/** JWS algorithm for a key: ES256/ES384 for the EC curves Rootline uses, PS256 for RSA. */
export function jwsAlgorithm(key: KeyObject): string {
  const type = key.asymmetricKeyType;
  if (type === "ec") {
    const curve = key.asymmetricKeyDetails?.namedCurve;
    if (curve === "prime256v1" || curve === "P-256") return "ES256";
    if (curve === "secp384r1" || curve === "P-384") return "ES384";
    throw new EnvelopeError(`unsupported EC curve ${curve}`);
  }
  if (type === "rsa") return "PS256";
  throw new EnvelopeError(`unsupported key type ${type}`);
}

/**
 * A root key that signs outside this process (a PKCS#11 token, lib/keys/pkcs11.ts): jose
 * signs only with Node's own keys, so the compact JWS is assembled here (RFC 7515 §7.1)
 * around the token's signature; verification stays jose's.
 */
export interface JwsSigner {
  readonly jwsAlg: string;
  signJws(signingInput: Uint8Array): Promise<Uint8Array>;
}

/** Signs a message with a private key (the CA's old root key, or a node's key). */
export async function signEnvelope(message: Message, privateKey: KeyObject | JwsSigner): Promise<string> {
  const payload = new TextEncoder().encode(JSON.stringify(message));
  if ("signJws" in privateKey) {
    const input = `${Buffer.from(JSON.stringify({ alg: privateKey.jwsAlg })).toString("base64url")}.${Buffer.from(payload).toString("base64url")}`;
    return `${input}.${Buffer.from(await privateKey.signJws(Buffer.from(input, "ascii"))).toString("base64url")}`;
  }
  return new CompactSign(payload).setProtectedHeader({ alg: jwsAlgorithm(privateKey) }).sign(privateKey);
}

/** Reads a message without verifying it (relays route by it; nothing is acted on unverified). */
export function peekEnvelope(jws: string): Message {
  const parts = typeof jws === "string" ? jws.split(".") : [];
  if (parts.length !== 3) throw new EnvelopeError("not a JWS in compact serialization");
  let json: unknown;
  try {
    decodeProtectedHeader(jws);
    json = JSON.parse(Buffer.from(parts[1], "base64url").toString("utf8"));
  } catch {
    throw new EnvelopeError("the envelope's payload is not JSON");
  }
  const r = MESSAGE.safeParse(json);
  if (!r.success) throw new EnvelopeError(`malformed message: ${r.error.issues.map((i) => `${i.path.join(".") || "(root)"}: ${i.message}`).join("; ")}`);
  return r.data;
}

/** Verifies the signature with any of the given public keys; returns the message or throws. */
export async function verifyEnvelope(jws: string, publicKeys: readonly KeyObject[]): Promise<Message> {
  const message = peekEnvelope(jws);
  for (const key of publicKeys) {
    try {
      const alg = jwsAlgorithm(key);
      await compactVerify(jws, key, { algorithms: [alg] });
      return message;
    } catch {
      // try the next key
    }
  }
  throw new EnvelopeError("the signature does not verify with any trusted key");
}

/** Public keys of PEM certificates (an agent verifies CA requests with the roots it holds). */
export function publicKeysOfCertificates(pems: readonly string[]): KeyObject[] {
  return pems.map((pem) => new X509Certificate(pem).publicKey);
}

/** Public key from SubjectPublicKeyInfo DER (the CA verifies node messages with it). */
export function publicKeyOfSpki(spki: Uint8Array): KeyObject {
  return createPublicKey({ key: Buffer.from(spki), format: "der", type: "spki" });
}
