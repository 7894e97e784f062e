#!/usr/bin/env bash
# `npm start`: install if needed, generate the client, migrate, build, serve.
source "$(dirname "$0")/lib.sh"
ensure_deps
ensure_client
migrate_db
# Instances started at once (several PORTs on one PostgreSQL) build once: the others wait.
mkdir -p node_modules/.cache
exec 9>node_modules/.cache/rootline-build.lock
flock 9
stale=$(find app components lib prisma next.config.js package.json -newer .next/BUILD_ID -print -quit 2>/dev/null || echo missing)
if [ ! -f .next/BUILD_ID ] || [ -n "$stale" ]; then
  npx next build
fi
flock -u 9
exec 9>&-
exec npx tsx server.ts
