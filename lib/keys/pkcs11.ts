import crypto from "node:crypto";
import type { Crypto as P11Crypto, CryptoKey as P11Key, Pkcs11EcKeyGenParams, Pkcs11RsaHashedKeyGenParams } from "node-webcrypto-p11";
import { InputError } from "../errors";
import { seq, integer } from "../pki/der";
import { isEcKeyType, webCryptoParams, type KeyType } from "../pki/keys";
import { signatureScheme, verifySignature } from "../pki/signature";
import { pkcs11Config, type Pkcs11Config } from "./config";
import type { GeneratedKey, IssuerKeyColumns, KeyStore } from "./types";

/**
 * CA keys in a PKCS#11 token, through PeculiarVentures' node-webcrypto-p11 (WebCrypto
 * over graphene-pk11/pkcs11js). Keys are generated in the token as token objects,
 * sensitive and non-extractable; Rootline stores only where they are (Issuer.keyRef).
 */

/** Issuer.keyRef: the token, and the key's CKA_LABEL (the issuer name) and CKA_ID. */
interface KeyRef {
  tokenLabel: string;
  label: string;
  id: string;
}

const problem = (message: string) => new InputError("keyStorage", message);

/** The WebCrypto algorithm a key of this type is used with (as lib/pki's own keys). */
const algorithmFor = webCryptoParams;

// ---------------------------------------------------------------- the session

/**
 * One logged-in session per process and configuration. A PKCS#11 session runs one
 * operation at a time, so every use of it (searches, key generation, signatures; the
 * signatures run on libuv's threads) queues on `lane`.
 */
let session: { key: string; token: Promise<P11Crypto> } | null = null;
let lane: Promise<unknown> = Promise.resolve();

function serialised<T>(op: () => Promise<T>): Promise<T> {
  const run = lane.then(op, op);
  lane = run.catch(() => undefined);
  return run;
}

async function token(): Promise<P11Crypto> {
  const cfg = pkcs11Config();
  const key = crypto.createHash("sha256").update(`${cfg.library}\0${cfg.tokenLabel}\0${cfg.pin}`).digest("hex");
  if (session?.key !== key) {
    const opened = openToken(cfg);
    session = { key, token: opened };
    opened.catch(() => {
      if (session?.token === opened) session = null; // a wrong PIN is not cached: the next call tries again
    });
  }
  return session.token;
}

const pkcs11Code = (e: unknown): string => (e && typeof e === "object" && "message" in e ? String((e as Error).message) : String(e));

async function openToken(cfg: Pkcs11Config): Promise<P11Crypto> {
  const { Crypto } = await import("node-webcrypto-p11");
  let probe: P11Crypto;
  try {
    // Slot 0 only to reach the module's slot list; the token is chosen by label.
    probe = new Crypto({ library: cfg.library, slot: 0 });
  } catch (e) {
    throw problem(`ROOTLINE_PKCS11_LIBRARY: ${cfg.library} has no usable token slot (${pkcs11Code(e)})`);
  }
  const slots = probe.slot.module.getSlots(true);
  const labels: string[] = [];
  let index = -1;
  for (let i = 0; i < slots.length; i++) {
    const slot = slots.items(i);
    let label: string;
    try {
      label = slot.getToken().label.trim();
    } catch {
      continue;
    }
    labels.push(label);
    if (label === cfg.tokenLabel && index < 0) index = i;
  }
  // Only the probe's session: Crypto.close() would finalize the module (and log out every session).
  probe.session.close();
  if (index < 0) {
    throw problem(`ROOTLINE_PKCS11_TOKEN_LABEL: no token labelled "${cfg.tokenLabel}" in ${cfg.library}${labels.filter(Boolean).length ? ` (tokens: ${labels.filter(Boolean).map((l) => `"${l}"`).join(", ")})` : ""}`);
  }
  try {
    return new Crypto({ library: cfg.library, slot: index, readWrite: true, pin: cfg.pin });
  } catch (e) {
    const code = pkcs11Code(e);
    if (/PIN_INCORRECT|PIN_LEN_RANGE|PIN_INVALID/.test(code)) throw problem(`${cfg.pinVariable}: the token "${cfg.tokenLabel}" refused the PIN (${code.split(/\s|:/)[0]})`);
    if (/PIN_LOCKED/.test(code)) throw problem(`${cfg.pinVariable}: the token "${cfg.tokenLabel}" has locked its user PIN; unlock it with the SO PIN`);
    throw problem(`the token "${cfg.tokenLabel}" could not be opened: ${code}`);
  }
}

// ---------------------------------------------------------------- keys

/** WebCrypto ECDSA signatures are r‖s; X.509 carries ECDSA-Sig-Value (RFC 3279 §2.2.3). */
function ecdsaDer(raw: Uint8Array): Buffer {
  const half = raw.length / 2;
  const int = (b: Uint8Array) => integer(BigInt("0x" + Buffer.from(b).toString("hex")));
  return seq(int(raw.subarray(0, half)), int(raw.subarray(half)));
}

async function signIn(p11: P11Crypto, key: P11Key, keyType: KeyType, data: Uint8Array): Promise<Buffer> {
  const scheme = signatureScheme(keyType);
  const sig = new Uint8Array(await serialised(() => p11.subtle.sign(scheme.webCrypto, key, new Uint8Array(data))));
  return isEcKeyType(keyType) ? ecdsaDer(sig) : Buffer.from(sig);
}

/** Who owns a key, for messages: an issuer (`issuer "x"`), or what the caller names (a lineage's distribution key). */
const ownerOf = (o: { name: string; owner?: string }): string => o.owner ?? `issuer "${o.name}"`;

function parseKeyRef(issuer: IssuerKeyColumns & { owner?: string }): KeyRef {
  try {
    const r = JSON.parse(issuer.keyRef ?? "") as KeyRef;
    // By CKA_ID, or (a rotation run's new root, whose id no column holds) by its unique label.
    if (typeof r.tokenLabel === "string" && typeof r.id === "string" && /^[0-9a-f]*$/.test(r.id) && (r.id || r.label)) return r;
  } catch {
    /* below */
  }
  throw new Error(`${ownerOf(issuer)}: its key reference (keyRef) is missing or malformed`);
}

/** The private key object with CKA_ID `id` (or, without an id, CKA_LABEL `label`): its KeyStorage index. */
async function findKey(p11: P11Crypto, ref: KeyRef, owner: string): Promise<string> {
  const privates = (await p11.keyStorage.keys()).filter((k) => k.startsWith("private-"));
  let index = ref.id ? privates.find((k) => k.endsWith(`-${ref.id}`)) : undefined;
  if (!ref.id) for (const k of privates) if (!index && (await p11.keyStorage.getItem(k)).algorithm.label === ref.label) index = k;
  if (!index) throw new Error(`${owner}: its key (label "${ref.label}"${ref.id ? `, id ${ref.id}` : ""}) is not in the token "${ref.tokenLabel}"`);
  return index;
}

/** JWS algorithms of rotation-run messages (lib/rotation-run/protocol.ts jwsAlgorithm). */
const JWS: Record<KeyType, { alg: string; webCrypto: EcdsaParams | RsaPssParams }> = {
  "ec-p256": { alg: "ES256", webCrypto: { name: "ECDSA", hash: "SHA-256" } },
  "ec-p384": { alg: "ES384", webCrypto: { name: "ECDSA", hash: "SHA-384" } },
  "rsa-2048": { alg: "PS256", webCrypto: { name: "RSA-PSS", saltLength: 32 } },
  "rsa-3072": { alg: "PS256", webCrypto: { name: "RSA-PSS", saltLength: 32 } },
  "rsa-4096": { alg: "PS256", webCrypto: { name: "RSA-PSS", saltLength: 32 } },
};

/** A key in the token as the signers use it: X.509 signatures, and JWS ones for rotation-run messages. */
export interface TokenKey {
  sign(data: Uint8Array): Promise<Buffer>;
  readonly jwsAlg: string;
  /** The JWS signature (ECDSA r‖s, RSASSA-PSS) over the signing input. */
  signJws(input: Uint8Array): Promise<Uint8Array>;
}

/**
 * Looks the key up once per session, proves it is the certificate's key (a signature its
 * public key verifies), then signs. A new session (another configuration, a reopened
 * token) looks it up again: key handles belong to the session that found them.
 */
export function tokenKey(owner: IssuerKeyColumns & { owner?: string }, certificateSpki: Uint8Array): TokenKey {
  const ref = parseKeyRef(owner);
  const who = ownerOf(owner);
  const keyType = owner.keyType as KeyType;
  const jws = JWS[keyType];
  let ready: { p11: P11Crypto; found: Promise<{ index: string; key: P11Key }>; pss?: Promise<P11Key> } | null = null;
  const resolve = async (p11: P11Crypto) => {
    const configured = pkcs11Config().tokenLabel;
    if (ref.tokenLabel !== configured) throw new Error(`${who}: its key is in the token "${ref.tokenLabel}", but ROOTLINE_PKCS11_TOKEN_LABEL selects "${configured}"`);
    const { index, key } = await serialised(async () => {
      const index = await findKey(p11, ref, who);
      return { index, key: await p11.keyStorage.getItem(index, algorithmFor(keyType), false, ["sign"]) };
    });
    const probe = crypto.randomBytes(32);
    if (!verifySignature(signatureScheme(keyType).oid, certificateSpki, probe, await signIn(p11, key, keyType, probe))) {
      throw new Error(`${who}: the token's key (label "${ref.label}") does not belong to its ${owner.owner ? "public key" : "certificate"}`);
    }
    return { index, key };
  };
  const current = async () => {
    const p11 = await token();
    if (ready?.p11 !== p11) {
      const mine = { p11, found: resolve(p11) };
      ready = mine;
      mine.found.catch(() => ready === mine && (ready = null)); // a key that was unavailable may be back next time
    }
    return ready;
  };
  return {
    jwsAlg: jws.alg,
    async sign(data) {
      const r = await current();
      return signIn(r.p11, (await r.found).key, keyType, data);
    },
    async signJws(input) {
      const r = await current();
      const { index, key } = await r.found;
      // The same token object, as an RSA-PSS key for PS256 (WebCrypto keys carry one algorithm).
      const k = isEcKeyType(keyType) ? key : await (r.pss ??= serialised(() => r.p11.keyStorage.getItem(index, { name: "RSA-PSS", hash: "SHA-256" } as RsaHashedImportParams, false, ["sign"])));
      return new Uint8Array(await serialised(() => r.p11.subtle.sign(jws.webCrypto, k, new Uint8Array(input))));
    },
  };
}

export const pkcs11Keys: KeyStore = {
  storage: "pkcs11",
  async generate(keyType: KeyType, label: string): Promise<GeneratedKey> {
    const p11 = await token();
    const alg: Pkcs11EcKeyGenParams | Pkcs11RsaHashedKeyGenParams = isEcKeyType(keyType)
      ? { ...(algorithmFor(keyType) as EcKeyImportParams), label, token: true, sensitive: true }
      : { name: "RSASSA-PKCS1-v1_5", hash: "SHA-256", modulusLength: Number(keyType.slice(4)), publicExponent: new Uint8Array([1, 0, 1]), label, token: true, sensitive: true };
    // CKA_TOKEN (persistent), CKA_SENSITIVE, CKA_EXTRACTABLE false: the private key never leaves the token.
    const { id, spki } = await serialised(async () => {
      const pair = (await p11.subtle.generateKey(alg, false, ["sign", "verify"])) as CryptoKeyPair;
      return { id: (pair.privateKey as P11Key).id.split("-").pop()!, spki: new Uint8Array(await p11.subtle.exportKey("spki", pair.publicKey)) };
    });
    const keyRef = JSON.stringify({ tokenLabel: pkcs11Config().tokenLabel, label, id } satisfies KeyRef);
    return { keyType, spki, pkcs8: null, keyRef, key: tokenKey({ name: label, keyType, keyRef, sealedKey: new Uint8Array(0) }, spki) };
  },
  signingKey(issuer, certificateSpki) {
    return { externalKey: tokenKey(issuer, certificateSpki) };
  },
};

/**
 * Removes a key generated for an issuer that was then not stored (its transaction failed):
 * a token key nothing refers to is only clutter, but clutter with CA power.
 */
export async function destroyTokenKey(keyRef: string): Promise<void> {
  const ref = JSON.parse(keyRef) as KeyRef;
  const p11 = await token();
  await serialised(async () => {
    for (const k of await p11.keyStorage.keys()) if (ref.id && k.endsWith(`-${ref.id}`)) await p11.keyStorage.removeItem(k);
  });
}

/** Closes the session (tests, and processes that switch configuration). */
export function closeToken(): void {
  const s = session;
  session = null;
  void s?.token.then((c) => c.close()).catch(() => undefined);
}
