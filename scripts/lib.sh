# Shared helpers for the start and test scripts (sourced, not run).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

# Install dependencies when node_modules is missing or older than the manifest/lock.
# `npm install` rather than `npm ci`: the registry here lacks some non-Linux optional
# builds, so a lock written here is not complete enough for `npm ci` (notes/toolchain.md).
ensure_deps() {
  if [ ! -d node_modules ] || [ ! -f node_modules/.package-lock.json ] \
     || [ package.json -nt node_modules/.package-lock.json ] \
     || { [ -f package-lock.json ] && [ package-lock.json -nt node_modules/.package-lock.json ]; }; then
    echo "rootline: installing dependencies (npm install)…"
    npm install --no-audit --no-fund
  fi
}

# Both clients, whichever database DATABASE_URL selects (lib/db.ts imports both): SQLite's from
# prisma/schema.prisma, PostgreSQL's from prisma/postgres/schema.prisma, which is generated from
# it (scripts/pg-schema.mjs). --schema: the config would otherwise follow DATABASE_URL.
ensure_client() {
  if [ ! -f generated/prisma/client.ts ] || [ prisma/schema.prisma -nt generated/prisma/client.ts ]; then
    npx prisma generate --schema prisma/schema.prisma
  fi
  node scripts/pg-schema.mjs >/dev/null
  if [ ! -f generated/prisma-pg/client.ts ] || [ prisma/postgres/schema.prisma -nt generated/prisma-pg/client.ts ]; then
    npx prisma generate --schema prisma/postgres/schema.prisma
  fi
}

# Applies pending migrations; an up-to-date database is only read (a live instance may
# hold it: `prisma migrate deploy` would wait for it and fail). See lib/migrations.ts.
# DATABASE_URL=postgresql://… applies prisma/postgres/migrations (migrate deploy's advisory
# lock lets several instances start at once).
migrate_db() {
  npx tsx scripts/migrate.ts
}
