#!/usr/bin/env bash
# `npm test`: every test — typecheck, lint (ESLint, layering), unit and integration (vitest, real SQLite, real OpenSSL and
# TLS), then end-to-end (Playwright in Debian's Chromium against the built app) beside the integration suite on a throw-away PostgreSQL.
source "$(dirname "$0")/lib.sh"
ensure_deps
ensure_client

# Debian packages the suites drive as real peers: Chromium (Playwright), certbot (ACME), SoftHSM2 (PKCS#11).
missing=()
[ -x "${CHROMIUM_PATH:-/usr/bin/chromium}" ] || missing+=(chromium)
command -v certbot >/dev/null || missing+=(certbot)
[ -e /usr/lib/softhsm/libsofthsm2.so ] || missing+=(softhsm2) # PKCS#11 token for lib/keys (issue 14)
command -v nginx >/dev/null || [ -x /usr/sbin/nginx ] || missing+=(nginx) # the cache in front of the repository (issue 14)
if [ ${#missing[@]} -gt 0 ]; then
  echo "rootline: installing Debian's ${missing[*]} for the tests…"
  sudo_=""; [ "$(id -u)" = 0 ] || sudo_=sudo
  $sudo_ apt-get update -qq && $sudo_ apt-get install -y -qq "${missing[@]}" >/dev/null
fi

rm -rf test-results && mkdir -p test-results
phase() { echo "rootline: $1 done at $((SECONDS / 60))m$((SECONDS % 60))s"; }
# Typecheck and lint side by side: each is one process on one core.
npx tsc --noEmit -p . & tsc_pid=$!
npx eslint --cache --cache-location node_modules/.cache/eslint/ . & lint_pid=$!
wait $tsc_pid
wait $lint_pid
phase "typecheck and lint"
unit=0; npx vitest run --reporter=default --reporter=json --outputFile=test-results/vitest.json || unit=$?
phase "vitest (SQLite)"
if ! npx next build > test-results/next-build.log 2>&1; then cat test-results/next-build.log; echo "rootline: next build failed"; exit 1; fi
tail -n 3 test-results/next-build.log
phase "next build"
# The integration suite again on PostgreSQL (vitest.pg.config.mts): a throw-away cluster from
# Debian's postgresql (installed when missing), 127.0.0.1 only, removed on exit. It runs beside
# Playwright, which drives one browser against one app and keeps about half a core busy
# (measured: 53% of one core over its 5.7 minutes), on one worker: with two, both ran slower
# (Playwright 7.7 min instead of 5.7). Its output is printed when it ends.
source scripts/pg-cluster.sh
trap pg_cluster_stop EXIT
pgsuite=0
if pg_cluster_start; then
  npx vitest run -c vitest.pg.config.mts --maxWorkers=1 --reporter=default --reporter=json --outputFile=test-results/vitest-pg.json > test-results/vitest-pg.log 2>&1 & pg_pid=$!
else
  pgsuite=1; pg_pid=""
fi
# The e2e server's port: 3100 unless something else holds it (then any free one).
export E2E_PORT="${E2E_PORT:-$(node -e '
const net = require("node:net");
const free = (p) => new Promise((ok) => { const s = net.createServer().once("error", () => ok(null)).listen(p, "127.0.0.1", () => { const a = s.address().port; s.close(() => ok(a)); }); });
free(3100).then((p) => p ?? free(0)).then((p) => console.log(p));')}"
e2e=0; npx playwright test || e2e=$?
phase "playwright"
if [ -n "$pg_pid" ]; then wait $pg_pid || pgsuite=$?; fi
# The whole log when it failed (the failures come before the summary), else its summary.
if [ "$pgsuite" -ne 0 ]; then cat test-results/vitest-pg.log 2>/dev/null; else tail -n 8 test-results/vitest-pg.log; fi
pg_cluster_stop
phase "vitest (PostgreSQL)"
node scripts/summarize-tests.mjs
exit $(( unit || pgsuite || e2e ))
