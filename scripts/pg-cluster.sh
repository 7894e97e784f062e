# A throw-away PostgreSQL cluster from Debian's `postgresql` package (sourced, not run):
# initdb into a temporary directory, pg_ctl on a free port, 127.0.0.1 only, trust auth for
# one local user. `pg_cluster_start` exports ROOTLINE_PG_URL (postgresql://rootline@127.0.0.1:PORT/postgres)
# and PG_CLUSTER_DIR; `pg_cluster_stop` stops it and removes the directory (call it from a trap).

pg_bin() {
  local d
  d=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1 || true)
  if [ -z "$d" ]; then
    echo "rootline: installing Debian's postgresql for the tests…" >&2
    local sudo_=""; [ "$(id -u)" = 0 ] || sudo_=sudo
    $sudo_ apt-get update -qq >&2 && $sudo_ apt-get install -y -qq postgresql >/dev/null
    d=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)
  fi
  echo "$d"
}

# initdb and postgres refuse to run as root: then the cluster belongs to the `postgres` user.
pg_as() {
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

pg_cluster_start() {
  local bin port
  bin=$(pg_bin)
  PG_CLUSTER_DIR=$(mktemp -d /tmp/rootline-pg-XXXXXX)
  chmod 0755 "$PG_CLUSTER_DIR"
  if [ "$(id -u)" = 0 ]; then chown postgres: "$PG_CLUSTER_DIR"; fi
  port=$(node -e 'const s=require("node:net").createServer().listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close();});')
  pg_as "$bin/initdb" -D "$PG_CLUSTER_DIR/data" -U rootline --auth=trust --no-sync -E UTF8 --locale=C.UTF-8 >/dev/null
  # Throw-away: no fsync; enough connections for parallel test files and two app instances each.
  pg_as "$bin/pg_ctl" -D "$PG_CLUSTER_DIR/data" -l "$PG_CLUSTER_DIR/log" -w -s \
    -o "-c listen_addresses=127.0.0.1 -p $port -k $PG_CLUSTER_DIR -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200" start
  export PG_CLUSTER_DIR
  export ROOTLINE_PG_URL="postgresql://rootline@127.0.0.1:$port/postgres"
}

pg_cluster_stop() {
  [ -n "${PG_CLUSTER_DIR:-}" ] || return 0
  pg_as "$(pg_bin)/pg_ctl" -D "$PG_CLUSTER_DIR/data" -m immediate -s stop >/dev/null 2>&1 || true
  rm -rf "$PG_CLUSTER_DIR"
  PG_CLUSTER_DIR=""
}
