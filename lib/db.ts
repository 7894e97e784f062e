import { PrismaClient } from "../generated/prisma/client";
import { PrismaClient as PostgresPrismaClient } from "../generated/prisma-pg/client";
import { databaseUrl, dbBusyDeadlineMs, secureDataDir } from "./config";
import type { DatabaseBackend, JobLead, SqlDialect, WriteHealth } from "./database/backend";
import { isPostgresUrl, PostgresBackend } from "./database/postgres";
import { SqliteBackend } from "./database/sqlite";

export type Db = PrismaClient;
/** The client or an interactive-transaction client: data functions accept either. */
export type Tx = Omit<PrismaClient, "$connect" | "$disconnect" | "$on" | "$transaction" | "$extends">;

const globalForDb = globalThis as unknown as { rootlineDb?: PrismaClient; rootlineBackend?: DatabaseBackend; rootlineAdapter?: unknown };

function create(): PrismaClient {
  const url = databaseUrl();
  // The cached CRL (megabytes at 100k entries) is read only by lib/revocation/crlStore,
  // the stored revocation information only by lib/repository/documents.
  // maxWait: starting a transaction may wait (asynchronously) for another process's
  // write lock up to the busy deadline; the adapter then fails with DatabaseBusyError.
  const options = { omit: { issuer: { crlDer: true, revocationInfoDer: true } }, transactionOptions: { maxWait: dbBusyDeadlineMs() + 5_000 } } as const;
  if (isPostgresUrl(url)) {
    const backend = new PostgresBackend(url);
    globalForDb.rootlineBackend = backend;
    // Same models, generated from the same schema (scripts/pg-schema.mjs): one client type.
    return new PostgresPrismaClient({ adapter: backend.adapter, ...options }) as unknown as PrismaClient;
  }
  secureDataDir(); // 0700 directory, 0600 database (before SQLite creates -wal/-shm)
  const backend = new SqliteBackend(url);
  globalForDb.rootlineBackend = backend;
  globalForDb.rootlineAdapter = backend.adapter; // tests reach the SQLite connection through it
  return new PrismaClient({ adapter: backend.adapter, ...options });
}

/** The database this process runs on (lib/database/backend.ts); opens it if needed. */
export function databaseBackend(): DatabaseBackend {
  db();
  return globalForDb.rootlineBackend!;
}

/** Raw-SQL fragments of this database's dialect. */
export function sqlDialect(): SqlDialect {
  return databaseBackend().sql;
}

/** See DatabaseBackend.changeToken: null means "unknown", i.e. do not trust a cache. */
export function databaseChangeToken(): string | null {
  return globalForDb.rootlineBackend?.changeToken() ?? null;
}

/** Whether this process can write (see DatabaseBackend.writeHealth); opens the database if needed. */
export async function databaseWriteHealth(): Promise<WriteHealth> {
  const client = db();
  const backend = globalForDb.rootlineBackend!;
  if (backend instanceof SqliteBackend && !backend.adapter.client) await client.$connect();
  return backend.writeHealth();
}

/** The background jobs' lead (lib/jobs.ts): always this process on SQLite, one instance at a time on PostgreSQL. */
export function jobLead(): JobLead {
  return databaseBackend().jobLead();
}

/** The one Prisma client of the process (Next dev reloads modules, hence the global). */
export function db(): PrismaClient {
  globalForDb.rootlineDb ??= create();
  return globalForDb.rootlineDb;
}

export async function closeDb(): Promise<void> {
  const client = globalForDb.rootlineDb;
  const backend = globalForDb.rootlineBackend;
  globalForDb.rootlineDb = undefined;
  globalForDb.rootlineBackend = undefined;
  globalForDb.rootlineAdapter = undefined;
  await backend?.close();
  await client?.$disconnect();
}
