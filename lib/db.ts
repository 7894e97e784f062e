import fs from "node:fs";
import path from "node:path";
import { PrismaClient } from "../generated/prisma/client";
import { databaseFile, databaseUrl } from "./config";
import { RootlineSqlite } from "./sqlite";

export type Db = PrismaClient;
/** The client or an interactive-transaction client: data functions accept either. */
export type Tx = Omit<PrismaClient, "$connect" | "$disconnect" | "$on" | "$transaction" | "$extends">;

const globalForDb = globalThis as unknown as { rootlineDb?: PrismaClient; rootlineAdapter?: RootlineSqlite };

function create(): PrismaClient {
  fs.mkdirSync(path.dirname(databaseFile()), { recursive: true });
  globalForDb.rootlineAdapter = new RootlineSqlite(databaseUrl());
  // The cached CRL (megabytes at 100k entries) is read only by lib/revocation/crlStore.
  return new PrismaClient({ adapter: globalForDb.rootlineAdapter, omit: { issuer: { crlDer: true } } });
}

/** See RootlineSqlite.changeToken: null means "unknown", i.e. do not trust a cache. */
export function databaseChangeToken(): string | null {
  return globalForDb.rootlineAdapter?.changeToken() ?? null;
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
