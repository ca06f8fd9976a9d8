# Sourced by scripts/test and scripts/demo: makes sure a PostgreSQL server is reachable and
# exports TEST_DATABASE_URL (an admin URL: tests create their own databases on it).
#
# Order: TEST_DATABASE_URL if set; else the server on 127.0.0.1:5432 if it answers; else a
# throwaway cluster (initdb/pg_ctl) in a temporary directory, installing Debian's postgresql
# package first when no binaries are found. The throwaway cluster is stopped on exit.

nsd_find_pg_bin() {
  if command -v initdb >/dev/null 2>&1 && command -v pg_ctl >/dev/null 2>&1; then
    dirname "$(command -v initdb)"; return 0
  fi
  local d
  d=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
  [ -n "$d" ] && [ -x "$d/initdb" ] && { echo "$d"; return 0; }
  return 1
}

nsd_as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }

nsd_ensure_postgres() {
  if [ -n "${TEST_DATABASE_URL:-}" ]; then return 0; fi
  if (exec 3<>/dev/tcp/127.0.0.1/5432) 2>/dev/null; then
    export TEST_DATABASE_URL="postgres://postgres@127.0.0.1:5432/postgres"
    return 0
  fi
  local bin
  if ! bin=$(nsd_find_pg_bin); then
    echo "== no PostgreSQL found: installing Debian's postgresql package" >&2
    nsd_as_root apt-get update -qq && nsd_as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null
    bin=$(nsd_find_pg_bin) || { echo "PostgreSQL binaries still not found" >&2; return 1; }
  fi
  NSD_PG_DIR=$(mktemp -d /tmp/nsd-pg.XXXXXX)
  local port=54329 run=()
  if [ "$(id -u)" = 0 ]; then
    id postgres >/dev/null 2>&1 || useradd --system --no-create-home postgres
    chown postgres "$NSD_PG_DIR"
    run=(runuser -u postgres --)
  fi
  echo "== starting a throwaway PostgreSQL in $NSD_PG_DIR on port $port" >&2
  "${run[@]}" "$bin/initdb" -D "$NSD_PG_DIR/data" -U postgres -A trust -E UTF8 --no-sync >/dev/null
  "${run[@]}" "$bin/pg_ctl" -D "$NSD_PG_DIR/data" -l "$NSD_PG_DIR/log" -w -t 60 \
    -o "-p $port -c listen_addresses=127.0.0.1 -k $NSD_PG_DIR -c fsync=off -c max_connections=300" start >/dev/null
  NSD_PG_STOP=("${run[@]}" "$bin/pg_ctl" -D "$NSD_PG_DIR/data" -m immediate -w stop)
  trap 'nsd_stop_postgres' EXIT
  export TEST_DATABASE_URL="postgres://postgres@127.0.0.1:$port/postgres"
}

nsd_stop_postgres() {
  if [ -n "${NSD_PG_DIR:-}" ]; then
    "${NSD_PG_STOP[@]}" >/dev/null 2>&1 || true
    rm -rf "$NSD_PG_DIR"
  fi
}
