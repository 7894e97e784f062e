#!/usr/bin/env bash
# `npm test`: every test — typecheck, lint (ESLint, layering), unit and integration (vitest, real SQLite, real OpenSSL and
# TLS), the integration subset on a throw-away PostgreSQL, then end-to-end (Playwright in Debian's Chromium against the built app).
source "$(dirname "$0")/lib.sh"
ensure_deps
ensure_client

# Debian packages the suites drive as real peers: Chromium (Playwright), certbot (ACME), SoftHSM2 (PKCS#11).
missing=()
[ -x "${CHROMIUM_PATH:-/usr/bin/chromium}" ] || missing+=(chromium)
command -v certbot >/dev/null || missing+=(certbot)
[ -e /usr/lib/softhsm/libsofthsm2.so ] || missing+=(softhsm2) # PKCS#11 token for lib/keys (issue 14)
if [ ${#missing[@]} -gt 0 ]; then
  echo "rootline: installing Debian's ${missing[*]} for the tests…"
  sudo_=""; [ "$(id -u)" = 0 ] || sudo_=sudo
  $sudo_ apt-get update -qq && $sudo_ apt-get install -y -qq "${missing[@]}" >/dev/null
fi

rm -rf test-results && mkdir -p test-results
npx tsc --noEmit -p .
npx eslint --cache --cache-location node_modules/.cache/eslint/ .
unit=0; npx vitest run --reporter=default --reporter=json --outputFile=test-results/vitest.json || unit=$?
# The integration suite again on PostgreSQL (vitest.pg.config.mts): a throw-away cluster from
# Debian's postgresql (installed when missing), 127.0.0.1 only, removed on exit.
source scripts/pg-cluster.sh
trap pg_cluster_stop EXIT
pgsuite=0
{ pg_cluster_start && npx vitest run -c vitest.pg.config.mts --reporter=default --reporter=json --outputFile=test-results/vitest-pg.json; } || pgsuite=$?
pg_cluster_stop
npx next build
# The e2e server's port: 3100 unless something else holds it (then any free one).
export E2E_PORT="${E2E_PORT:-$(node -e '
const net = require("node:net");
const free = (p) => new Promise((ok) => { const s = net.createServer().once("error", () => ok(null)).listen(p, "127.0.0.1", () => { const a = s.address().port; s.close(() => ok(a)); }); });
free(3100).then((p) => p ?? free(0)).then((p) => console.log(p));')}"
e2e=0; npx playwright test || e2e=$?
node scripts/summarize-tests.mjs
exit $(( unit || pgsuite || e2e ))
