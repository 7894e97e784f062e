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

ensure_client() {
  if [ ! -f generated/prisma/client.ts ] || [ prisma/schema.prisma -nt generated/prisma/client.ts ]; then
    npx prisma generate
  fi
}

# Applies pending migrations; an up-to-date database is only read (a live instance may
# hold it: `prisma migrate deploy` would wait for it and fail). See lib/migrations.ts.
migrate_db() {
  npx tsx scripts/migrate.ts
}
