import fs from "node:fs";
import path from "node:path";
import { PrismaClient } from "../generated/prisma/client";
import { databaseFile, databaseUrl } from "./config";
import { RootlineSqlite } from "./sqlite";

export type Db = PrismaClient;
/** The client or an interactive-transaction client: data functions accept either. */
export type Tx = Omit<PrismaClient, "$connect" | "$disconnect" | "$on" | "$transaction" | "$extends">;

const globalForDb = globalThis as unknown as { rootlineDb?: PrismaClient };

function create(): PrismaClient {
  fs.mkdirSync(path.dirname(databaseFile()), { recursive: true });
  return new PrismaClient({ adapter: new RootlineSqlite(databaseUrl()) });
}

/** The one Prisma client of the process (Next dev reloads modules, hence the global). */
export function db(): PrismaClient {
  globalForDb.rootlineDb ??= create();
  return globalForDb.rootlineDb;
}

export async function closeDb(): Promise<void> {
  const client = globalForDb.rootlineDb;
  globalForDb.rootlineDb = undefined;
  await client?.$disconnect();
}
