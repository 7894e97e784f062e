import fs from "node:fs";
import { z } from "zod";
import { InputError } from "../../errors";
import { writeFileAtomicSync } from "../../files/atomic";
import { withFileLock } from "../stateFile";
import { assertConsistent, slotOf, type GenerationsState, type Slot } from "./state";

/**
 * The generations state as a JSON file of its own (the RN state file of `rootline
 * device trust|fetch|check` is a different one):
 *
 *   { "format": "rootline-device-generations", "version": 1,
 *     "distributionKey": "<base64 SubjectPublicKeyInfo DER>",
 *     "current": { "generation": 1, "subject": "CN=…", "nextUrl": "https://…",
 *                  "document": "<base64 of CA information as received>" },
 *     "next": null | { same shape } }
 *
 * Each document is kept byte for byte and re-verified with the distribution key on every
 * load; generation, subject and nextUrl are for people reading the file and must agree
 * with the document. Writes are atomic (tmp + fsync + rename) under the same lock-file
 * discipline as the RN state (lib/device/stateFile.ts).
 */

const MAX_STATE_BYTES = 256 * 1024;
const B64 = z.string().regex(/^[A-Za-z0-9+/]+={0,2}$/);
const SlotSchema = z.strictObject({
  generation: z.number().int().positive(),
  subject: z.string(),
  nextUrl: z.string(),
  document: B64,
});
const FileSchema = z.strictObject({
  format: z.literal("rootline-device-generations"),
  version: z.literal(1),
  distributionKey: B64,
  current: SlotSchema,
  next: SlotSchema.nullable(),
});

const b64 = (u: Uint8Array) => Buffer.from(u).toString("base64");

function slotJson(s: Slot) {
  return { generation: s.info.generation, subject: s.ca.certificate.subject, nextUrl: s.info.nextUrl, document: b64(s.info.bytes) };
}

export function serializeGenerations(s: GenerationsState): string {
  const doc = {
    format: "rootline-device-generations",
    version: 1,
    distributionKey: b64(s.distributionKeySpki),
    current: slotJson(s.current),
    next: s.next ? slotJson(s.next) : null,
  };
  return JSON.stringify(doc, null, 2) + "\n";
}

export function parseGenerations(text: string, field = "state"): GenerationsState {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    throw new InputError(field, "the generations state file is not JSON");
  }
  const r = FileSchema.safeParse(raw);
  if (!r.success) {
    const i = r.error.issues[0];
    throw new InputError(field, `the generations state file is invalid at ${i.path.join(".") || "top level"}: ${i.message}`);
  }
  const distributionKeySpki = new Uint8Array(Buffer.from(r.data.distributionKey, "base64"));
  const slot = (j: z.infer<typeof SlotSchema>, name: string): Slot => {
    const s = slotOf(new Uint8Array(Buffer.from(j.document, "base64")), distributionKeySpki, `${field}.${name}`);
    if (s.info.generation !== j.generation || s.info.nextUrl !== j.nextUrl || s.ca.certificate.subject !== j.subject) {
      throw new InputError(field, `${name}: generation/subject/nextUrl do not match the document`);
    }
    return s;
  };
  const state: GenerationsState = { distributionKeySpki, current: slot(r.data.current, "current"), next: r.data.next ? slot(r.data.next, "next") : null };
  assertConsistent(state, field);
  return state;
}

export function loadGenerations(file: string): GenerationsState {
  let text: string;
  try {
    if (fs.statSync(file).size > MAX_STATE_BYTES) throw new InputError("state", `${file} is too large`);
    text = fs.readFileSync(file, "utf8");
  } catch (e) {
    if (e instanceof InputError) throw e;
    if ((e as NodeJS.ErrnoException).code === "ENOENT") {
      throw new InputError("state", `no generations state at ${file}; run \`rootline device generations init --state ${file} --distribution-key KEY.pem --ca-info CA-INFO-1\` first`);
    }
    throw new InputError("state", `cannot read ${file}: ${(e as Error).message}`);
  }
  return parseGenerations(text);
}

export function saveGenerations(file: string, s: GenerationsState): void {
  writeFileAtomicSync(file, serializeGenerations(s));
}

/**
 * Read-modify-write under the lock. fn returns the next state (written only when it is a
 * different object) and a result. The whole step, network included, runs under the
 * lock: a poll or check takes a few TLS round trips, and two runs must not promote or
 * fill next from different views of current.
 */
export function updateGenerations<T>(file: string, fn: (s: GenerationsState) => Promise<{ state: GenerationsState; result: T }>): Promise<T> {
  return withFileLock(file, async () => {
    const before = loadGenerations(file);
    const { state, result } = await fn(before);
    if (state !== before) saveGenerations(file, state);
    return result;
  });
}
