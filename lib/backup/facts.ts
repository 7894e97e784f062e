import fs from "node:fs";
import path from "node:path";
import { InputError } from "../errors";
import type { Counts } from "./manifest";

/** One row of a COUNT/MAX query; the same SQL runs on SQLite and PostgreSQL (quoted Prisma names). */
export type Query = (sql: string) => Promise<Record<string, unknown> | undefined>;

export interface Facts {
  counts: Counts;
  migration: string;
  auditHead: { seq: number; hash: string };
}

const num = (v: unknown) => Number(v ?? 0);

/** What a manifest says about a database, read from it. */
export async function readFacts(q: Query): Promise<Facts> {
  const c = async (table: string) => num((await q(`SELECT COUNT(*) AS n FROM "${table}"`))?.n);
  const counts = { issuers: await c("Issuer"), certificates: await c("Certificate"), auditEvents: await c("AuditEvent") };
  const m = await q(`SELECT migration_name AS name FROM "_prisma_migrations" WHERE finished_at IS NOT NULL AND rolled_back_at IS NULL ORDER BY migration_name DESC LIMIT 1`);
  const head = await q(`SELECT seq, hash FROM "AuditEvent" ORDER BY seq DESC LIMIT 1`);
  return { counts, migration: String(m?.name ?? ""), auditHead: { seq: num(head?.seq), hash: String(head?.hash ?? "") } };
}

/** Holds anything an operator would lose: users, issuers, certificates or audit entries. */
export async function holdsData(q: Query): Promise<boolean> {
  for (const t of ["User", "Issuer", "Certificate", "AuditEvent"]) {
    try {
      if (num((await q(`SELECT COUNT(*) AS n FROM "${t}"`))?.n) > 0) return true;
    } catch {
      return false; // no schema yet: nothing to lose
    }
  }
  return false;
}

/** The backup's schema level must be one this Rootline knows (older ones are migrated forward after the restore). */
export function checkMigrationKnown(migration: string, postgres: boolean): void {
  const dir = path.resolve(__dirname, "..", "..", "prisma", ...(postgres ? ["postgres", "migrations"] : ["migrations"]));
  const known = fs.readdirSync(dir).filter((n) => fs.existsSync(path.join(dir, n, "migration.sql")));
  if (!known.includes(migration)) {
    throw new InputError("from", `the backup's schema is at migration "${migration}", which this Rootline does not have (newest here: ${known.sort().at(-1)}): restore it with the Rootline version that made it, or a newer one`);
  }
}

/** The snapshot matches its manifest (a manifest edited to say otherwise is caught here). */
export function checkFacts(got: Facts, want: Facts): void {
  const diff = (Object.keys(want.counts) as (keyof Counts)[]).filter((k) => got.counts[k] !== want.counts[k]);
  if (diff.length || got.migration !== want.migration || got.auditHead.seq !== want.auditHead.seq || got.auditHead.hash !== want.auditHead.hash) {
    throw new InputError("from", `the database in the backup does not match its manifest (${diff.length ? diff.join(", ") : "schema level or audit head"} differ): the backup is damaged or was altered`);
  }
}
