import { PrismaClient } from "../generated/prisma/client";
import { databaseUrl, dbBusyDeadlineMs, secureDataDir } from "./config";
import { RootlineSqlite, type WriteHealth } from "./sqlite";

export type Db = PrismaClient;
/** The client or an interactive-transaction client: data functions accept either. */
export type Tx = Omit<PrismaClient, "$connect" | "$disconnect" | "$on" | "$transaction" | "$extends">;

const globalForDb = globalThis as unknown as { rootlineDb?: PrismaClient; rootlineAdapter?: RootlineSqlite };

function create(): PrismaClient {
  secureDataDir(); // 0700 directory, 0600 database (before SQLite creates -wal/-shm)
  globalForDb.rootlineAdapter = new RootlineSqlite(databaseUrl());
  // The cached CRL (megabytes at 100k entries) is read only by lib/revocation/crlStore.
  // maxWait: starting a transaction may wait (asynchronously) for another process's
  // write lock up to the busy deadline; the adapter then fails with DatabaseBusyError.
  return new PrismaClient({
    adapter: globalForDb.rootlineAdapter,
    omit: { issuer: { crlDer: true } },
    transactionOptions: { maxWait: dbBusyDeadlineMs() + 5_000 },
  });
}

/** See RootlineSqlite.changeToken: null means "unknown", i.e. do not trust a cache. */
export function databaseChangeToken(): string | null {
  return globalForDb.rootlineAdapter?.changeToken() ?? null;
}

/** Whether this process can write (see RootlineSqlite.writeHealth); opens the database if needed. */
export async function databaseWriteHealth(): Promise<WriteHealth> {
  const client = db();
  if (!globalForDb.rootlineAdapter?.client) await client.$connect();
  return globalForDb.rootlineAdapter!.writeHealth();
}

/** The one Prisma client of the process (Next dev reloads modules, hence the global). */
export function db(): PrismaClient {
  globalForDb.rootlineDb ??= create();
  return globalForDb.rootlineDb;
}

export async function closeDb(): Promise<void> {
  const client = globalForDb.rootlineDb;
  globalForDb.rootlineDb = undefined;
  globalForDb.rootlineAdapter = undefined;
  await client?.$disconnect();
}
