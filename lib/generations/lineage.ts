import { z } from "zod";
import { appendAudit } from "../audit";
import type { Actor } from "../auth/actor";
import { requirePermission } from "../auth/roles";
import { db, type Tx } from "../db";
import { ConflictError, InputError, NotFoundError } from "../errors";
import { createIssuer } from "../issuers/service";
import { ISSUER_NAME } from "../issuers/input";
import { DEFAULT_CA_VALIDITY_DAYS, MAX_VALIDITY_DAYS } from "../issuers/validity";
import { generateDistributionKey, lineageDistributionKey, parseKeyStorage } from "../keys";
import { destroyTokenKey } from "../keys/pkcs11";
import { parseKeyType } from "../pki/keys";
import { sha256Hex } from "../pki/fingerprint";
import { pemEncode } from "../pki/pem";
import { parseOrThrow } from "../validation";
import { DISTRIBUTION_KEY_TYPES, parseCaInfo, signCaInfoWith, type CaInfo } from "./caInfo";
import { checkTemplate, urlFor } from "./template";

/**
 * Lineages (SPEC 3): chains of CA generations 1, 2, 3… Each generation is an ordinary
 * issuer named `<lineage>-<n>`; the lineage holds the distribution key that signs each
 * generation's CA information (docs/CA_INFORMATION.md). Creating a generation and
 * publishing its CA information is one transaction with the issuer's creation. A lineage
 * keeps all its keys in one place (`keyStorage`): with `pkcs11`, the distribution key and
 * every generation's CA key are generated in the token and never leave it.
 */

/** Five years of a 20-year CA (seed 001). */
export const DEFAULT_LEAD_DAYS = 5 * 365 + 1;

const LineageInput = z.object({
  // Room for "-<generation>" within the 64 characters of an issuer name.
  name: ISSUER_NAME.refine((s) => s.length <= 52, "at most 52 characters (generations are named <name>-<n>)"),
  keyType: z.string(),
  distributionKeyType: z.enum(DISTRIBUTION_KEY_TYPES, { error: "the distribution key is ec-p256 or ec-p384" }).default("ec-p256"),
  caValidityDays: z.coerce.number().int().min(2, "the CA validity must be at least 2 days").max(MAX_VALIDITY_DAYS).default(DEFAULT_CA_VALIDITY_DAYS),
  leadDays: z.coerce.number().int().min(0, "the lead time cannot be negative").optional(),
  downloadUrlTemplate: z.string(),
});

export interface NewLineage {
  name: string;
  keyType: string;
  distributionKeyType?: string;
  caValidityDays?: number | string;
  leadDays?: number | string;
  downloadUrlTemplate: string;
  /** software (default) | pkcs11: where the distribution key and the generations' CA keys live. */
  keyStorage?: string;
}

export type LineageRow = NonNullable<Awaited<ReturnType<typeof findLineage>>>;

function findLineage(tx: Tx, name: string) {
  return tx.lineage.findUnique({ where: { name } });
}

export async function lineageByName(name: string, tx: Tx = db()): Promise<LineageRow> {
  const l = await findLineage(tx, name);
  if (!l) throw new NotFoundError("name", `no lineage named "${name}"`);
  return l;
}

/** Generations, oldest first, without sealed keys. */
export function generationsOf(lineageId: string, tx: Tx = db()) {
  return tx.issuer.findMany({
    where: { lineageId },
    orderBy: { generation: "asc" },
    select: { id: true, name: true, generation: true, notBefore: true, notAfter: true, certificateDer: true, caInfoDer: true, generationRevokedAt: true, generationRevokedReason: true, revocationNumber: true },
  });
}

export const generationIssuerName = (lineage: string, n: number) => `${lineage}-${n}`;

/** Signs CA information n for the issuer just created, and links it to the lineage. */
async function publishGeneration(tx: Tx, lineage: LineageRow, issuer: { id: string; certificateDer: Uint8Array }, n: number): Promise<void> {
  const signed = await signCaInfoWith({ lineage: lineage.name, generation: n, caCertDer: issuer.certificateDer, nextUrl: urlFor(lineage.downloadUrlTemplate, n + 1) }, lineageDistributionKey(lineage));
  await tx.issuer.update({ where: { id: issuer.id }, data: { lineageId: lineage.id, generation: n, caInfoDer: Buffer.from(signed.der) } });
}

export async function createLineage(actor: Actor, input: NewLineage, o: { now?: Date } = {}) {
  requirePermission(actor.role, "issuers:write");
  const s = parseOrThrow(LineageInput, input);
  const keyType = parseKeyType(s.keyType, "keyType");
  const keyStorage = parseKeyStorage(input.keyStorage);
  const downloadUrlTemplate = checkTemplate(s.downloadUrlTemplate);
  const leadDays = s.leadDays ?? Math.min(DEFAULT_LEAD_DAYS, Math.floor(s.caValidityDays / 4));
  if (leadDays >= s.caValidityDays) throw new InputError("leadDays", `the lead time (${leadDays} days) must be shorter than the CA validity (${s.caValidityDays} days)`);
  if (await findLineage(db(), s.name)) throw new ConflictError("name", `a lineage named "${s.name}" already exists`);
  const distribution = await generateDistributionKey(keyStorage, s.distributionKeyType, s.name);
  const spki = distribution.spki;
  let lineageId = "";
  try {
    await createIssuer(actor, { name: generationIssuerName(s.name, 1), keyType, keyStorage, validityDays: s.caValidityDays }, {
      now: o.now,
      within: async (tx, issuer) => {
        if (await findLineage(tx, s.name)) throw new ConflictError("name", `a lineage named "${s.name}" already exists`);
        const lineage = await tx.lineage.create({
          data: {
            name: s.name,
            distributionKeyType: s.distributionKeyType,
            distributionSpki: Buffer.from(spki),
            sealedDistributionKey: distribution.sealedDistributionKey,
            keyStorage,
            distributionKeyRef: distribution.keyRef,
            keyType,
            caValidityDays: s.caValidityDays,
            leadDays,
            downloadUrlTemplate,
          },
        });
        lineageId = lineage.id;
        await publishGeneration(tx, lineage, issuer, 1);
        await appendAudit(tx, actor, {
          action: "lineage.create",
          targetType: "lineage",
          targetId: lineage.id,
          after: { name: s.name, keyType, keyStorage, distributionKeyType: s.distributionKeyType, distributionKeySha256: sha256Hex(spki), caValidityDays: s.caValidityDays, leadDays, downloadUrlTemplate, generation1: issuer.name },
        });
      },
    });
  } catch (e) {
    // No lineage refers to the token's distribution key: remove it (createIssuer removes its own CA key).
    if (distribution.keyRef) await destroyTokenKey(distribution.keyRef).catch(() => undefined);
    throw e;
  }
  return db().lineage.findUniqueOrThrow({ where: { id: lineageId } });
}

export type NextCause = "operator" | "schedule" | "revoked";

/**
 * Creates generation n+1 now (issuer `<lineage>-<n+1>`) and publishes CA information
 * n+1. `expectGeneration`: the caller's idea of the newest generation; when another
 * process created one meanwhile, ConflictError (nothing is created twice: the
 * (lineage, generation) pair is unique too).
 */
export async function nextGeneration(actor: Actor, name: string, o: { now?: Date; cause?: NextCause; expectGeneration?: number } = {}) {
  requirePermission(actor.role, "issuers:write");
  const lineage = await lineageByName(name);
  const gens = await generationsOf(lineage.id);
  const newest = gens.at(-1)?.generation ?? 0;
  if (o.expectGeneration !== undefined && o.expectGeneration !== newest) throw new ConflictError("generation", `generation ${newest} is already the newest of "${name}"`);
  const n = newest + 1;
  const issuer = await createIssuer(actor, { name: generationIssuerName(name, n), keyType: lineage.keyType, keyStorage: lineage.keyStorage, validityDays: lineage.caValidityDays }, {
    now: o.now,
    within: async (tx, issuer) => {
      const still = await tx.issuer.findFirst({ where: { lineageId: lineage.id }, orderBy: { generation: "desc" }, select: { generation: true } });
      if ((still?.generation ?? 0) !== newest) throw new ConflictError("generation", `generation ${still?.generation} of "${name}" was created meanwhile`);
      await publishGeneration(tx, lineage, issuer, n);
      await appendAudit(tx, actor, {
        action: "lineage.next-generation",
        targetType: "lineage",
        targetId: lineage.id,
        after: { lineage: name, generation: n, issuer: issuer.name, cause: o.cause ?? "operator", nextUrl: urlFor(lineage.downloadUrlTemplate, n + 1) },
      });
    },
  });
  return { generation: n, issuer: issuer.name, notAfter: issuer.notAfter };
}

/**
 * Records that generation n's CA is revoked (compromised or retired early). Its issuer
 * keeps working for the download server (seed FIGS. 8–9); the schedule makes n+1 due at
 * once when n is the newest. The caller runs the schedule (revokeGenerationNow does).
 */
export async function revokeGeneration(actor: Actor, name: string, generation: number, reason: string, o: { now?: Date } = {}) {
  requirePermission(actor.role, "issuers:write");
  if (!reason.trim()) throw new InputError("reason", "say why the generation is revoked");
  const now = o.now ?? new Date();
  return db().$transaction(async (tx) => {
    const lineage = await lineageByName(name, tx);
    const g = await tx.issuer.findFirst({ where: { lineageId: lineage.id, generation }, select: { id: true, name: true, generationRevokedAt: true } });
    if (!g) throw new NotFoundError("generation", `lineage "${name}" has no generation ${generation}`);
    if (g.generationRevokedAt) throw new ConflictError("generation", `generation ${generation} was revoked on ${g.generationRevokedAt.toISOString()}`);
    await tx.issuer.update({ where: { id: g.id }, data: { generationRevokedAt: now, generationRevokedReason: reason.trim() } });
    await appendAudit(tx, actor, { action: "lineage.revoke-generation", targetType: "lineage", targetId: lineage.id, after: { lineage: name, generation, issuer: g.name, reason: reason.trim(), at: now } });
    return { generation, issuer: g.name, revokedAt: now };
  });
}

/** CA information n as published (parsed; `der` and caInfoToJson give the two forms). */
export async function caInfoOf(name: string, generation: number): Promise<CaInfo> {
  const lineage = await lineageByName(name);
  const g = await db().issuer.findFirst({ where: { lineageId: lineage.id, generation }, select: { caInfoDer: true } });
  if (!g?.caInfoDer) throw new NotFoundError("generation", `lineage "${name}" has no generation ${generation}`);
  return parseCaInfo(g.caInfoDer);
}

/** The distribution public key, for device firmware. */
export async function distributionKeyOf(name: string): Promise<{ spki: Uint8Array; pem: string; sha256: string; keyType: string }> {
  const l = await lineageByName(name);
  return { spki: l.distributionSpki, pem: pemEncode("PUBLIC KEY", l.distributionSpki), sha256: sha256Hex(l.distributionSpki), keyType: l.distributionKeyType };
}
