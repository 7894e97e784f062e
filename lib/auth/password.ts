import crypto from "node:crypto";
import { promisify } from "node:util";
import { InputError } from "../errors";

const scrypt = promisify(crypto.scrypt) as (pw: crypto.BinaryLike, salt: crypto.BinaryLike, len: number, opts: crypto.ScryptOptions) => Promise<Buffer>;

// scrypt (RFC 7914) from node:crypto: memory-hard, no native add-on to build.
// OWASP's current parameters: N=2^17, r=8, p=1 — 128 MiB and ~0.6 s a hash here (2^15 took ~0.15 s).
// The parameters are part of every stored hash, so hashes made with older ones still verify.
export const SCRYPT_PARAMS = { N: 2 ** 17, r: 8, p: 1 };
const KEY_LEN = 32;
/** Bounds for parameters read back from a stored hash (the cost must stay sane). */
const MAX_N = 2 ** 20;
const MAX_R = 32;
const MAX_P = 16;

export const MIN_PASSWORD_LENGTH = 10;
export const MAX_PASSWORD_LENGTH = 1024;

/** The rule for every new password (set-up, new user, change, reset): throws naming `field`. */
export function checkNewPassword(password: unknown, field = "password"): string {
  if (typeof password !== "string" || password.length < MIN_PASSWORD_LENGTH) throw new InputError(field, `the password needs at least ${MIN_PASSWORD_LENGTH} characters`);
  if (password.length > MAX_PASSWORD_LENGTH) throw new InputError(field, `the password may have at most ${MAX_PASSWORD_LENGTH} characters`);
  return password;
}

/** scrypt needs 128·N·r bytes; Node refuses anything above maxmem (32 MiB by default). */
function maxmem(N: number, r: number, p: number): number {
  return 128 * N * r + 128 * r * p + 1024 * 1024;
}

/**
 * At most two hashes at a time (the machine's cores): each holds 128 MiB, and a burst of
 * sign-ins must not exhaust memory or the libuv pool that file I/O shares.
 */
const MAX_CONCURRENT = 2;
let running = 0;
const waiting: (() => void)[] = [];
async function limited<T>(work: () => Promise<T>): Promise<T> {
  if (running >= MAX_CONCURRENT) await new Promise<void>((resolve) => waiting.push(resolve));
  running++;
  try {
    return await work();
  } finally {
    running--;
    waiting.shift()?.();
  }
}

function derive(password: string, salt: Buffer, len: number, N: number, r: number, p: number): Promise<Buffer> {
  return limited(() => scrypt(password.normalize("NFKC"), salt, len, { N, r, p, maxmem: maxmem(N, r, p) }));
}

/** `scrypt$N$r$p$salt$hash` (base64). */
export async function hashPassword(password: string): Promise<string> {
  const { N, r, p } = SCRYPT_PARAMS;
  const salt = crypto.randomBytes(16);
  const hash = await derive(password, salt, KEY_LEN, N, r, p);
  return ["scrypt", N, r, p, salt.toString("base64"), hash.toString("base64")].join("$");
}

function parse(stored: string): { N: number; r: number; p: number; salt: Buffer; hash: Buffer } | null {
  const [scheme, n, r, p, saltB64, hashB64, extra] = stored.split("$");
  if (scheme !== "scrypt" || !hashB64 || extra !== undefined) return null;
  const [N, R, P] = [n, r, p].map(Number);
  const powerOfTwo = Number.isInteger(N) && N > 1 && (N & (N - 1)) === 0;
  if (!powerOfTwo || N > MAX_N || !Number.isInteger(R) || R < 1 || R > MAX_R || !Number.isInteger(P) || P < 1 || P > MAX_P) return null;
  const hash = Buffer.from(hashB64, "base64");
  return hash.length >= 16 ? { N, r: R, p: P, salt: Buffer.from(saltB64, "base64"), hash } : null;
}

export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const h = parse(stored);
  if (!h) return false;
  const actual = await derive(password, h.salt, h.hash.length, h.N, h.r, h.p);
  return crypto.timingSafeEqual(actual, h.hash);
}

/** True when a stored hash uses other parameters than today's: re-hash it at the next sign-in. */
export function needsRehash(stored: string): boolean {
  const h = parse(stored);
  return !h || h.N !== SCRYPT_PARAMS.N || h.r !== SCRYPT_PARAMS.r || h.p !== SCRYPT_PARAMS.p || h.hash.length !== KEY_LEN;
}

/** A hash to compare against when the user does not exist, so timing does not reveal it. */
let dummy: Promise<string> | undefined;
export function dummyHash(): Promise<string> {
  dummy ??= hashPassword("not-a-real-password");
  return dummy;
}
