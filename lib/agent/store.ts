/**
 * store.json: the authoritative trust store per group and the requests already applied
 * (docs/ROTATION_RUNS.md). cert.pem and roots.pem are views of it, rewritten after it.
 */
import { createHash } from "node:crypto";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { z } from "zod";
import type { StoreSummary } from "../rotation-run/protocol";
import { writeFileAtomic } from "../files/atomic";
import { cert, selfSigned } from "./x509";

const Pem = z.string().min(1).max(16_384);

export const GroupStore = z.object({ roots: z.array(Pem).max(16), certificates: z.array(Pem).max(16) }).strict();
export type GroupStore = z.infer<typeof GroupStore>;

export const AppliedEntry = z
  .object({
    attempt: z.number().int().min(1),
    outcome: z.enum(["succeeded", "failed"]),
    error: z.string().optional(),
    at: z.number().int(),
  })
  .strict();
export type AppliedEntry = z.infer<typeof AppliedEntry>;

export const NodeStore = z
  .object({
    version: z.literal(1),
    groups: z.record(z.string(), GroupStore),
    /** "<run>/<task>" → recorded outcome: a repeated request is answered with it. */
    applied: z.record(z.string(), AppliedEntry),
  })
  .strict();
export type NodeStore = z.infer<typeof NodeStore>;

export const STORE_FILE = "store.json";
export const CERT_FILE = "cert.pem";
export const ROOTS_FILE = "roots.pem";

export function appliedKey(run: string, task: string): string {
  return `${run}/${task}`;
}

export async function loadStore(dir: string): Promise<NodeStore> {
  const text = await readFile(join(dir, STORE_FILE), "utf8");
  const r = NodeStore.safeParse(JSON.parse(text));
  if (!r.success) throw new Error(`store.json: ${r.error.issues.map((i) => `${i.path.join(".") || "(root)"}: ${i.message}`).join("; ")}`);
  return r.data;
}

/**
 * Writes store.json first (the authority, durably), then the PEM views derived from it (atomic
 * but without fsync: after a crash the agent rewrites them from store.json on start).
 */
export async function saveStore(dir: string, store: NodeStore): Promise<void> {
  await writeFileAtomic(join(dir, STORE_FILE), JSON.stringify(store, null, 1) + "\n", 0o644);
  await writeFileAtomic(join(dir, CERT_FILE), certPem(store), 0o644, { durable: false });
  await writeFileAtomic(join(dir, ROOTS_FILE), rootsPem(store), 0o644, { durable: false });
}

/** A crash between store.json and its views leaves stale views: rewrite them from the store. */
export async function refreshViews(dir: string, store: NodeStore): Promise<void> {
  for (const [file, text] of [[CERT_FILE, certPem(store)], [ROOTS_FILE, rootsPem(store)]] as const) {
    const held = await readFile(join(dir, file), "utf8").catch(() => null);
    if (held !== text) await writeFileAtomic(join(dir, file), text, 0o644);
  }
}

/** Certificates of every group, each group's first-presented one on top. */
export function certPem(store: NodeStore): string {
  return joinPems(Object.values(store.groups).flatMap((g) => g.certificates));
}

export function rootsPem(store: NodeStore): string {
  return joinPems(Object.values(store.groups).flatMap((g) => g.roots));
}

function joinPems(pems: string[]): string {
  return [...new Set(pems.map((p) => p.trim() + "\n"))].join("");
}

export function fingerprint(pem: string): string {
  return createHash("sha256").update(cert(pem).raw).digest("hex");
}

export function summarizeGroup(group: string, g: GroupStore): StoreSummary {
  return {
    group,
    roots: g.roots.map((pem) => {
      const c = cert(pem);
      return { subject: c.subject, fingerprint: fingerprint(pem), selfSigned: selfSigned(c) };
    }),
    certificates: g.certificates.map((pem) => {
      const c = cert(pem);
      return { issuer: c.issuer, serial: c.serialNumber, fingerprint: fingerprint(pem) };
    }),
  };
}

export function summarizeStore(store: NodeStore): StoreSummary[] {
  return Object.entries(store.groups).map(([group, g]) => summarizeGroup(group, g));
}
