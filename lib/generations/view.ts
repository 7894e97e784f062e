import { db } from "../db";
import { sha256Hex } from "../pki/fingerprint";
import { parseCaInfo } from "./caInfo";
import { generationsOf, lineageByName } from "./lineage";
import { movesOf, type MoveView } from "./moves";
import { scheduleOf, type ScheduleEntry } from "./schedule";

/**
 * What a lineage page and `rootline lineage show` render (SPEC 3 UI): its generations
 * with validity, state, announced next URL and whether that next generation exists; the
 * schedule; the download server as last reported; the distribution key's fingerprint.
 */

export type GenerationState = "active" | "superseded" | "revoked" | "expired";

export interface GenerationView {
  n: number;
  issuer: string;
  notBefore: Date;
  notAfter: Date;
  state: GenerationState;
  revoked: boolean;
  revokedAt: Date | null;
  revokedReason: string | null;
  nextUrl: string;
  nextExists: boolean;
  /** Valid certificates this generation's CA has issued (who has moved to it). */
  validCertificates: number;
  caCertificateSha256: string;
  /** Its application servers' move to the next generation (lib/generations/moves.ts). */
  move: MoveView;
}

export interface LineageView {
  name: string;
  keyType: string;
  /** Where the distribution key and the generations' CA keys live (software | pkcs11). */
  keyStorage: string;
  caValidityDays: number;
  leadDays: number;
  downloadUrlTemplate: string;
  distributionKey: { keyType: string; sha256: string };
  generations: GenerationView[];
  schedule: ScheduleEntry | null;
  downloadServer: { url: string; seenAt: Date; running: boolean } | null;
}

/** A download server reports every refresh (30 s by default); three missed reports: not running. */
export const DOWNLOAD_SERVER_STALE_MS = 90_000;

export async function lineageView(name: string, now = new Date()): Promise<LineageView> {
  const l = await lineageByName(name);
  const gens = await generationsOf(l.id);
  const counts = await db().certificate.groupBy({ by: ["issuerId"], where: { issuerId: { in: gens.map((g) => g.id) }, status: "valid" }, _count: { _all: true } });
  const newest = gens.at(-1)?.generation ?? 0;
  const moves = await movesOf(gens);
  return {
    name: l.name,
    keyType: l.keyType,
    keyStorage: l.keyStorage,
    caValidityDays: l.caValidityDays,
    leadDays: l.leadDays,
    downloadUrlTemplate: l.downloadUrlTemplate,
    distributionKey: { keyType: l.distributionKeyType, sha256: sha256Hex(l.distributionSpki) },
    generations: gens.map((g) => {
      const info = parseCaInfo(g.caInfoDer!);
      const state: GenerationState = g.generationRevokedAt ? "revoked" : g.notAfter <= now ? "expired" : g.generation < newest ? "superseded" : "active";
      return {
        n: g.generation,
        issuer: g.name,
        notBefore: g.notBefore,
        notAfter: g.notAfter,
        state,
        revoked: !!g.generationRevokedAt,
        revokedAt: g.generationRevokedAt,
        revokedReason: g.generationRevokedReason,
        nextUrl: info.nextUrl,
        nextExists: g.generation < newest,
        validCertificates: counts.find((c) => c.issuerId === g.id)?._count._all ?? 0,
        caCertificateSha256: sha256Hex(g.certificateDer),
        move: moves.get(g.id)!,
      };
    }),
    schedule: scheduleOf(l, gens),
    downloadServer: l.downloadServerUrl && l.downloadServerSeenAt ? { url: l.downloadServerUrl, seenAt: l.downloadServerSeenAt, running: now.getTime() - l.downloadServerSeenAt.getTime() < DOWNLOAD_SERVER_STALE_MS } : null,
  };
}

/** The Contract's `rootline lineage show --json` shape. */
export function showJson(v: LineageView) {
  return {
    name: v.name,
    generations: v.generations.map((g) => ({ n: g.n, issuer: g.issuer, notAfter: g.notAfter.toISOString(), revoked: g.revoked, nextUrl: g.nextUrl })),
    nextScheduledAt: v.schedule ? v.schedule.dueAt.toISOString() : null,
  };
}
