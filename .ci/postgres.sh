#!/usr/bin/env bash
# Starts a throwaway PostgreSQL on loopback for the contract and integration suites, installing
# it from Debian's packages when the machine has none. Prints the export line for the test URL:
#   eval "$(bash .ci/postgres.sh)"
set -euo pipefail
PGPORT="${KAM_TEST_PGPORT:-54329}"
PGDATA_DIR="${KAM_TEST_PGDATA:-/tmp/kam-pg-$PGPORT}"

find_bin() {
  local dir
  for dir in /usr/lib/postgresql/*/bin; do
    [ -x "$dir/$1" ] && { echo "$dir/$1"; return 0; }
  done
  command -v "$1" 2>/dev/null || return 1
}

if ! find_bin initdb >/dev/null; then
  echo "postgres: installing from Debian packages" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >&2
  apt-get install -y -qq postgresql >&2
fi
INITDB=$(find_bin initdb)
PG_CTL=$(find_bin pg_ctl)
PG_ISREADY=$(find_bin pg_isready)

# PostgreSQL refuses to run as root: run the server as the postgres user (created by the package).
RUN_AS=()
if [ "$(id -u)" = "0" ]; then
  id postgres >/dev/null 2>&1 || useradd --system --home /var/lib/postgresql postgres
  RUN_AS=(runuser -u postgres --)
fi

if ! "$PG_ISREADY" -h 127.0.0.1 -p "$PGPORT" -q 2>/dev/null; then
  rm -rf "$PGDATA_DIR"
  mkdir -p "$PGDATA_DIR"
  [ "$(id -u)" = "0" ] && chown postgres "$PGDATA_DIR"
  "${RUN_AS[@]}" "$INITDB" -D "$PGDATA_DIR" -U kam --auth=trust -E UTF8 >/dev/null
  "${RUN_AS[@]}" "$PG_CTL" -D "$PGDATA_DIR" -l "$PGDATA_DIR/server.log" -w \
    -o "-c listen_addresses=127.0.0.1 -c port=$PGPORT -c unix_socket_directories=$PGDATA_DIR -c fsync=off -c max_connections=200" start >&2
fi
for _ in $(seq 1 30); do "$PG_ISREADY" -h 127.0.0.1 -p "$PGPORT" -q && break; sleep 0.5; done
PSQL=$(find_bin psql)
"$PSQL" -h 127.0.0.1 -p "$PGPORT" -U kam -d postgres -tAc "SELECT 1 FROM pg_database WHERE datname='kam_test'" | grep -q 1 \
  || "$PSQL" -h 127.0.0.1 -p "$PGPORT" -U kam -d postgres -qc "CREATE DATABASE kam_test" >&2
echo "export TEST_DATABASE_URL=postgres://kam@127.0.0.1:$PGPORT/kam_test"
