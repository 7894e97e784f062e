import type { Actor } from "../auth/actor";
import { db, type Tx } from "../db";
import { addDays } from "../issuers/validity";
import { MOVE_ORDER, openMove, type OpenedMove } from "../revocation/move";
import type { CertificateStatus, RenewalStatus } from "../store/state";
import { DOWNLOAD_SUBJECT } from "./downloadServer";
import { generationsOf } from "./lineage";

/**
 * When application servers move from CA generation n to n+1 (SPEC 3): at once when n is
 * revoked, else at n's switch time, SWITCH_LEAD_DAYS before n's notAfter (a server
 * certificate never outlives its CA, so waiting for the expiry itself would leave nothing
 * to renew). Either way only once generation n+1 exists. The schedule
 * (lib/generations/schedule.ts) opens due moves; lib/revocation/move.ts is how.
 */

export const SWITCH_LEAD_DAYS = 30;
const MOVED_PROFILES = ["server", "both"];

export const switchAt = (g: { notAfter: Date }) => addDays(g.notAfter, -SWITCH_LEAD_DAYS);

export interface MoveRun extends OpenedMove {
  generation: number;
  issuer: string;
  successor: string;
}

type Gen = Awaited<ReturnType<typeof generationsOf>>[number];

/** Still-good server certificates of generation n: what moves (not n's own download-server certificates). */
function moving(tx: Tx, g: Gen, now: Date) {
  return tx.certificate.findMany({
    where: {
      issuerId: g.id,
      status: "valid" satisfies CertificateStatus,
      profile: { in: MOVED_PROFILES },
      notAfter: { gt: now },
      serial: { gte: g.revocationNumber },
      NOT: { subject: DOWNLOAD_SUBJECT, sealedKey: { not: null } },
    },
    orderBy: { serial: "asc" },
    select: { id: true, serial: true },
  });
}

/** Opens every move of the lineage that is due and not open yet, one transaction each. */
export async function openDueMoves(actor: Actor, lineage: { id: string; name: string }, now: Date): Promise<MoveRun[]> {
  const gens = await generationsOf(lineage.id);
  const out: MoveRun[] = [];
  for (const g of gens) {
    if (g.notAfter <= now) continue; // expired: none of its certificates is still good
    const cause = g.generationRevokedAt ? "revoked" : now >= switchAt(g) ? "expiry" : null;
    const successor = gens.find((s) => s.generation > g.generation && !s.generationRevokedAt);
    if (!cause || !successor) continue;
    const opened = await db().$transaction(async (tx) => {
      // Another process may have opened it meanwhile: the write lock makes this check exact.
      if (await tx.revocation.count({ where: { issuerId: g.id, order: MOVE_ORDER } })) return null;
      const issuer = await tx.issuer.findUniqueOrThrow({ where: { id: g.id }, select: { id: true, name: true, nextSerial: true } });
      return openMove(tx, actor, {
        issuer,
        successor: { id: successor.id, name: successor.name },
        lineage: lineage.name,
        generation: g.generation,
        cause,
        certificates: await moving(tx, g, now),
        // At n's own end no old certificate is left to wait for.
        deadline: cause === "expiry" ? g.notAfter : undefined,
        now,
      });
    });
    if (opened) out.push({ ...opened, generation: g.generation, issuer: g.name, successor: successor.name });
  }
  return out;
}

export interface MoveView {
  /** When the move opens (or opened) at the latest without a revocation. */
  switchAt: Date;
  opened: { at: Date; successor: string; settled: boolean; deadline: Date | null } | null;
  /** Holders asked to move, and how many did (renewed by the successor). */
  total: number;
  moved: number;
  excluded: number;
  /** Who has not moved: pending, or closed without renewing. */
  notMoved: { serial: bigint; subject: string; sans: string; status: Extract<RenewalStatus, "pending" | "closed"> }[];
}

const NOT_MOVED_SHOWN = 50;

/** Per generation id: its servers' move as the lineage page shows it. */
export async function movesOf(gens: { id: string; notAfter: Date }[]): Promise<Map<string, MoveView>> {
  const rows = await db().revocation.findMany({
    where: { issuerId: { in: gens.map((g) => g.id) }, order: MOVE_ORDER },
    select: { issuerId: true, createdAt: true, status: true, deadline: true, successor: { select: { name: true } }, renewals: { select: { serial: true, status: true, certificateId: true }, orderBy: { serial: "asc" } } },
  });
  const waiting = rows.flatMap((r) => r.renewals.filter((q) => q.status === "pending" || q.status === "closed").slice(0, NOT_MOVED_SHOWN));
  const certs = new Map((await db().certificate.findMany({ where: { id: { in: waiting.map((q) => q.certificateId) } }, select: { id: true, subject: true, sans: true } })).map((c) => [c.id, c]));
  const out = new Map<string, MoveView>();
  for (const g of gens) {
    const r = rows.find((x) => x.issuerId === g.id);
    const by = (s: RenewalStatus) => r?.renewals.filter((q) => q.status === s).length ?? 0;
    out.set(g.id, {
      switchAt: switchAt(g),
      opened: r ? { at: r.createdAt, successor: r.successor?.name ?? "", settled: r.status === "completed", deadline: r.deadline } : null,
      total: r?.renewals.length ?? 0,
      moved: by("renewed"),
      excluded: by("excluded"),
      notMoved: (r?.renewals ?? [])
        .filter((q) => q.status === "pending" || q.status === "closed")
        .slice(0, NOT_MOVED_SHOWN)
        .map((q) => ({ serial: q.serial, subject: certs.get(q.certificateId)?.subject ?? "", sans: certs.get(q.certificateId)?.sans ?? "", status: q.status as "pending" | "closed" })),
    });
  }
  return out;
}
