#!/usr/bin/env bash
# The app as `npm start` runs it, on a fresh data directory, for the Playwright suite.
source "$(dirname "$0")/lib.sh"
port="${1:-3100}"
export ROOTLINE_DATA_DIR="$PWD/e2e/.data/server"
rm -rf "$ROOTLINE_DATA_DIR"
mkdir -p "$ROOTLINE_DATA_DIR"
unset DATABASE_URL
npx prisma migrate deploy >/dev/null
# HTTPS on the next port, once a test creates the issuer "e2e-https" (it waits until then).
export ROOTLINE_HTTPS_PORT="${E2E_HTTPS_PORT:-$((port + 1))}" ROOTLINE_HTTPS_ISSUER=e2e-https
# ACME http-01 validation reaches certbot --standalone on the port after that (e2e/standard-protocols.e2e.ts).
export ROOTLINE_ACME_HTTP01_PORT="${E2E_HTTP01_PORT:-$((port + 2))}" ROOTLINE_ACME_HOSTS="app.rootline.test=127.0.0.1"
# A throw-away SoftHSM2 token (Debian's softhsm2), so the key-storage tests make CA keys in a real token.
if [ -z "${ROOTLINE_PKCS11_LIBRARY:-}" ] && [ -e /usr/lib/softhsm/libsofthsm2.so ] && command -v softhsm2-util >/dev/null; then
  mkdir -p "$ROOTLINE_DATA_DIR/softhsm/tokens"
  export SOFTHSM2_CONF="$ROOTLINE_DATA_DIR/softhsm/softhsm2.conf"
  printf 'directories.tokendir = %s\nobjectstore.backend = file\nlog.level = ERROR\n' "$ROOTLINE_DATA_DIR/softhsm/tokens" > "$SOFTHSM2_CONF"
  softhsm2-util --init-token --free --label rootline-e2e --pin 2468 --so-pin 1357 >/dev/null
  export ROOTLINE_PKCS11_LIBRARY=/usr/lib/softhsm/libsofthsm2.so ROOTLINE_PKCS11_TOKEN_LABEL=rootline-e2e ROOTLINE_PKCS11_PIN=2468
fi
PORT="$port" HOST=127.0.0.1 exec npx tsx server.ts
