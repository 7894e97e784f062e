import fs from "node:fs";
import path from "node:path";
import { defineConfig } from "prisma/config";
import { PrismaBetterSQLite3 } from "@prisma/adapter-better-sqlite3";
import { databaseFile, databaseUrl, isPostgresUrl } from "./lib/config";
import { migrationAdapter } from "./lib/database/pgMigrate";

// Prisma 6.19 with the Wasm schema engine and a driver adapter: no engine binary
// is downloaded (see shared notes/toolchain.md). Migrations are applied with
// `prisma migrate deploy`, which is what start-up and CI use.
// DATABASE_URL's scheme picks the database: SQLite (prisma/schema.prisma, prisma/migrations)
// or PostgreSQL (prisma/postgres/schema.prisma, generated from it, and prisma/postgres/migrations).
const postgres = isPostgresUrl(databaseUrl());

// The CLI lingers 10+ s after its work on a long engine timer (shared notes/toolchain.md):
// long timers must not keep the process alive.
const setTimeoutRef = globalThis.setTimeout;
globalThis.setTimeout = ((fn: () => void, ms?: number, ...args: unknown[]) => {
  const t = setTimeoutRef(fn, ms, ...args);
  if ((ms ?? 0) >= 1000) (t as unknown as NodeJS.Timeout).unref?.();
  return t;
}) as typeof setTimeout;

export default defineConfig({
  experimental: { adapter: true },
  engine: "js",
  schema: postgres ? path.join("prisma", "postgres", "schema.prisma") : path.join("prisma", "schema.prisma"),
  async adapter() {
    if (postgres) return migrationAdapter(databaseUrl());
    fs.mkdirSync(path.dirname(databaseFile()), { recursive: true });
    return new PrismaBetterSQLite3({ url: databaseUrl() });
  },
});
