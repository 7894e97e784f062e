#!/usr/bin/env bash
# Creates the data directory and applies migrations (idempotent).
source "$(dirname "$0")/lib.sh"
ensure_deps
ensure_client
migrate_db
