#!/usr/bin/env node
// Generates prisma/postgres/schema.prisma from prisma/schema.prisma: the same models, the
// PostgreSQL provider and its own client (generated/prisma-pg). Prisma fixes the provider per
// schema file, so the second database needs a second file; generating it means the two can
// never drift (scripts/pg-schema.test.ts fails when the committed copy is stale).
// `node scripts/pg-schema.mjs` writes it; `--check` only compares (exit 1 when stale).
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
export const SOURCE = path.join(ROOT, "prisma", "schema.prisma");
export const TARGET = path.join(ROOT, "prisma", "postgres", "schema.prisma");

/** The PostgreSQL schema text for a SQLite schema text. */
export function postgresSchema(sqlite) {
  let out = sqlite;
  const swap = (from, to, what) => {
    if (!from.test(out)) throw new Error(`prisma/schema.prisma: cannot find the ${what} to replace`);
    out = out.replace(from, to);
  };
  swap(/(datasource\s+db\s*\{[^}]*provider\s*=\s*)"sqlite"/, '$1"postgresql"', "datasource provider");
  swap(/(datasource\s+db\s*\{[^}]*url\s*=\s*)"file:[^"]*"/, '$1"postgresql://localhost/rootline"', "datasource url");
  swap(/(generator\s+client\s*\{[^}]*output\s*=\s*)"\.\.\/generated\/prisma"/, '$1"../../generated/prisma-pg"', "generator output");
  return `// GENERATED from prisma/schema.prisma by scripts/pg-schema.mjs — do not edit; edit that file and run\n// \`node scripts/pg-schema.mjs\`. Migrations: prisma/postgres/migrations (docs/OPERATIONS.md, PostgreSQL).\n\n${out}`;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const want = postgresSchema(fs.readFileSync(SOURCE, "utf8"));
  const have = fs.existsSync(TARGET) ? fs.readFileSync(TARGET, "utf8") : null;
  if (process.argv.includes("--check")) {
    if (have !== want) {
      console.error("prisma/postgres/schema.prisma is out of date: run `node scripts/pg-schema.mjs` and add a migration under prisma/postgres/migrations");
      process.exit(1);
    }
  } else if (have !== want) {
    fs.mkdirSync(path.dirname(TARGET), { recursive: true });
    fs.writeFileSync(TARGET, want);
    console.log("wrote prisma/postgres/schema.prisma");
  }
}
