import fs from "node:fs";
import path from "node:path";
import { defineConfig } from "prisma/config";
import { PrismaBetterSQLite3 } from "@prisma/adapter-better-sqlite3";
import { databaseFile, databaseUrl } from "./lib/config";

// Prisma 6.19 with the Wasm schema engine and a driver adapter: no engine binary
// is downloaded (see shared notes/toolchain.md). Migrations are applied with
// `prisma migrate deploy`, which is what start-up and CI use.
export default defineConfig({
  experimental: { adapter: true },
  engine: "js",
  schema: path.join("prisma", "schema.prisma"),
  async adapter() {
    fs.mkdirSync(path.dirname(databaseFile()), { recursive: true });
    return new PrismaBetterSQLite3({ url: databaseUrl() });
  },
});
