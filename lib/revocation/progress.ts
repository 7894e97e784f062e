import { revocationStatus } from "./status";

type Status = Awaited<ReturnType<typeof revocationStatus>>;

/**
 * How far each pending revocation of an issuer is, as counts (JSON-safe: the dashboard
 * polls it every few seconds, so it stays a few hundred bytes whatever the revocation's
 * size). `version` changes whenever anything the dashboard shows about them changes:
 * a renewal, an exclusion, a completion, a new revocation, an RN move.
 */
export interface RevocationProgress {
  issuer: string;
  revocationNumber: string;
  pending: { serial: string; renewed: number; excluded: number; awaiting: number }[];
  version: string;
  /** When it was read (ms since the epoch): of two snapshots, the later one is shown. */
  at: number;
}

export function progressOf(s: Status, now = new Date()): RevocationProgress {
  const pending = s.pending.map((p) => ({ serial: p.serial.toString(), renewed: p.renewed.length, excluded: p.excluded.length, awaiting: p.awaiting.length }));
  const version = [s.revocationNumber.toString(), ...pending.map((p) => `${p.serial}:${p.renewed}/${p.excluded}/${p.awaiting}`)].join(" ");
  return { issuer: s.issuer, revocationNumber: s.revocationNumber.toString(), pending, version, at: now.getTime() };
}

export async function revocationProgress(issuerName: string, now = new Date()): Promise<RevocationProgress> {
  return progressOf(await revocationStatus(issuerName), now);
}
