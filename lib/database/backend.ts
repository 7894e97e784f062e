import type { SqlDriverAdapterFactory } from "@prisma/driver-adapter-utils";
import { Prisma } from "../../generated/prisma/client";

/**
 * What differs between the two databases Rootline runs on (SQLite, the default; PostgreSQL
 * for several app instances), behind one interface so the domain code stays the same.
 * lib/db.ts picks the implementation from DATABASE_URL's scheme.
 */
export interface DatabaseBackend {
  readonly kind: "sqlite" | "postgresql";
  /** Prisma's driver adapter. Write transactions serialize on the database (SQLite's write
   * lock taken at BEGIN; on PostgreSQL a transaction-scoped advisory lock taken at BEGIN), so
   * serials, the RN and the audit chain hold across processes exactly as within one. */
  readonly adapter: SqlDriverAdapterFactory;
  /**
   * Changes whenever another commit may have changed what a cache holds (issuers: RN, CRL,
   * keys; certificates' status): SQLite's data_version, PostgreSQL's LISTEN/NOTIFY counter.
   * null = unknown (not connected yet, or the listener is down): do not trust a cache.
   */
  changeToken(): string | null;
  /** Can this process write now? (GET /api/health) */
  writeHealth(): Promise<WriteHealth>;
  /** The lead of the background jobs: one instance at a time runs them (lib/jobs.ts). */
  jobLead(): JobLead;
  readonly sql: SqlDialect;
  close(): Promise<void>;
}

export type WriteHealth = { ok: true } | { ok: false; db: "busy" | "wedged" | "error"; detail: string };

export interface JobLead {
  /** Whether this instance runs the background jobs now. */
  leading(): boolean;
  stop(): Promise<void>;
}

/** Raw-SQL fragments that differ between the two dialects (used with $executeRaw`…${fragment}…`). */
export interface SqlDialect {
  /** The elements of a JSON array parameter as rows of one column "value" under `alias`. */
  jsonRows(json: string, alias: string): Prisma.Sql;
  /** A new row id shaped like Prisma's cuid ("c" + 24 characters). */
  newId(): Prisma.Sql;
  /** A case-insensitive substring filter (SQLite's LIKE already ignores ASCII case). */
  containsIgnoringCase(q: string): { contains: string };
}

/** The SQLite side of SqlDialect. */
export const sqliteDialect: SqlDialect = {
  jsonRows: (json, alias) => Prisma.sql`json_each(${json}) AS ${Prisma.raw(`"${alias}"`)}`,
  newId: () => Prisma.sql`'c' || lower(hex(randomblob(12)))`,
  containsIgnoringCase: (q) => ({ contains: q }),
};

/** The PostgreSQL side of SqlDialect. */
export const postgresDialect: SqlDialect = {
  jsonRows: (json, alias) => Prisma.sql`jsonb_array_elements(CAST(${json} AS jsonb)) AS ${Prisma.raw(`"${alias}"("value")`)}`,
  newId: () => Prisma.sql`'c' || substr(md5(random()::text || clock_timestamp()::text), 1, 24)`,
  // The PostgreSQL client accepts `mode`; the filter is typed as the SQLite client's.
  containsIgnoringCase: (q) => ({ contains: q, mode: "insensitive" }) as { contains: string },
};

/** Every instance on a database leads alone when there is no other: SQLite keeps its one-host behaviour. */
export const ALWAYS_LEADING: JobLead = { leading: () => true, stop: async () => {} };
