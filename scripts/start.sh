#!/usr/bin/env bash
# `npm start`: install if needed, generate the client, migrate, build, serve.
source "$(dirname "$0")/lib.sh"
ensure_deps
ensure_client
migrate_db
stale=$(find app components lib prisma next.config.js package.json -newer .next/BUILD_ID -print -quit 2>/dev/null || echo missing)
if [ ! -f .next/BUILD_ID ] || [ -n "$stale" ]; then
  npx next build
fi
exec npx tsx server.ts
