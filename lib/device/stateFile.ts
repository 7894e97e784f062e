import fs from "node:fs";
import { z } from "zod";
import { InputError } from "../errors";
import { writeFileAtomicSync } from "../files/atomic";
import { trustedCaOf, type DeviceState } from "./state";

/**
 * The device state as a JSON file:
 *
 *   { "format": "rootline-device-state", "version": 1,
 *     "cas": [ { "subject": "CN=…", "keySha256": "<hex>", "issuerName": "acme" | null,
 *                "revocationNumber": "3", "certificate": "<base64 DER>" } ] }
 *
 * `subject` and `keySha256` are for people reading the file; they are recomputed from
 * the certificate on load and must agree (a hand-edited mismatch is an error, not a
 * guess). RNs are decimal strings: they may exceed 2^53.
 *
 * Writes are atomic (temporary file in the same directory, fsync, rename), and
 * read-modify-write runs under a lock file, so two device processes cannot interleave
 * and make an RN go backwards.
 */

const MAX_STATE_BYTES = 4 * 1024 * 1024;

const FileSchema = z.strictObject({
  format: z.literal("rootline-device-state"),
  version: z.literal(1),
  cas: z
    .array(
      z.strictObject({
        subject: z.string(),
        keySha256: z.string().regex(/^[0-9a-f]{64}$/),
        issuerName: z.string().nullable(),
        revocationNumber: z.string().regex(/^(0|[1-9][0-9]*)$/),
        certificate: z.string().regex(/^[A-Za-z0-9+/]+={0,2}$/),
      }),
    )
    .max(1000),
});

export function serializeState(state: DeviceState): string {
  const doc = {
    format: "rootline-device-state",
    version: 1,
    cas: state.cas.map((c) => ({
      subject: c.certificate.subject,
      keySha256: c.keySha256,
      issuerName: c.issuerName,
      revocationNumber: c.revocationNumber.toString(10),
      certificate: Buffer.from(c.certificate.der).toString("base64"),
    })),
  };
  return JSON.stringify(doc, null, 2) + "\n";
}

export function parseState(text: string, field = "state"): DeviceState {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    throw new InputError(field, "the device state file is not JSON");
  }
  const r = FileSchema.safeParse(raw);
  if (!r.success) {
    const i = r.error.issues[0];
    throw new InputError(field, `the device state file is invalid at ${i.path.join(".") || "top level"}: ${i.message}`);
  }
  const cas = r.data.cas.map((e, n) => {
    const ca = trustedCaOf(new Uint8Array(Buffer.from(e.certificate, "base64")), BigInt(e.revocationNumber), e.issuerName, `${field}.cas.${n}`);
    if (ca.keySha256 !== e.keySha256 || ca.certificate.subject !== e.subject) {
      throw new InputError(field, `cas.${n}: subject/keySha256 do not match the certificate`);
    }
    return ca;
  });
  if (new Set(cas.map((c) => c.keySha256)).size !== cas.length) throw new InputError(field, "the same CA key appears twice");
  return { cas };
}

/** Loads the state; a missing file is an empty state only when allowMissing. */
export function loadState(file: string, allowMissing = false): DeviceState {
  let text: string;
  try {
    const st = fs.statSync(file);
    if (st.size > MAX_STATE_BYTES) throw new InputError("state", `${file} is too large`);
    text = fs.readFileSync(file, "utf8");
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") {
      if (allowMissing) return { cas: [] };
      throw new InputError("state", `no device state at ${file}; install a CA first with \`rootline device trust --ca CA.pem --state ${file}\``);
    }
    if (e instanceof InputError) throw e;
    throw new InputError("state", `cannot read ${file}: ${(e as Error).message}`);
  }
  return parseState(text);
}

/** Atomic replace: readers see the old file or the new one, never a torn one. */
export function saveState(file: string, state: DeviceState): void {
  writeFileAtomicSync(file, serializeState(state));
}

const LOCK_WAIT_MS = 10_000;
/** A lock older than this belongs to a process that died (a state update takes milliseconds). */
const LOCK_STALE_MS = 60_000;

async function acquireLock(lock: string): Promise<number> {
  const deadline = Date.now() + LOCK_WAIT_MS;
  for (;;) {
    try {
      const fd = fs.openSync(lock, "wx");
      fs.writeSync(fd, `${process.pid}\n`);
      return fd;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== "EEXIST") throw new InputError("state", `cannot lock ${lock}: ${(e as Error).message}`);
    }
    try {
      if (Date.now() - fs.statSync(lock).mtimeMs > LOCK_STALE_MS) fs.rmSync(lock, { force: true });
    } catch {
      /* gone meanwhile: retry */
    }
    if (Date.now() > deadline) throw new InputError("state", `the device state is locked by another process (${lock})`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/**
 * Read-modify-write under the lock: fn gets the state as it is on disk now and returns
 * the next state (written only when it is a different object) and a result.
 */
export async function updateStateFile<T>(file: string, fn: (s: DeviceState) => Promise<{ state: DeviceState; result: T }> | { state: DeviceState; result: T }, allowMissing = false): Promise<T> {
  return withFileLock(file, async () => {
    const before = loadState(file, allowMissing);
    const { state, result } = await fn(before);
    if (state !== before) saveState(file, state);
    return result;
  });
}

/** Runs fn while holding `${file}.lock` (other device state files share this discipline). */
export async function withFileLock<T>(file: string, fn: () => Promise<T>): Promise<T> {
  const lock = `${file}.lock`;
  const fd = await acquireLock(lock);
  try {
    return await fn();
  } finally {
    fs.closeSync(fd);
    fs.rmSync(lock, { force: true });
  }
}
