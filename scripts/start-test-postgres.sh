#!/bin/sh
# Start a throwaway PostgreSQL 15 cluster for the server tests (run as root).
# Prints the line to eval:  eval "$(scripts/start-test-postgres.sh)"
# DABIR_TEST_PG_DURABLE=1: fsync, synchronous_commit and full_page_writes stay on (for benchmarks).
# Stop it with:             runuser -u postgres -- /usr/lib/postgresql/15/bin/pg_ctl -D "$PGDATA" stop
set -eu
PGBIN=${PGBIN:-/usr/lib/postgresql/15/bin}
BASE=${DABIR_TEST_PG_DIR:-$(mktemp -d /tmp/dabir-pg.XXXXXX)}
PGDATA=$BASE/data
PORT=${DABIR_TEST_PG_PORT:-$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')}
PASSWORD=${DABIR_TEST_PG_PASSWORD:-$(python3 -c 'import secrets; print(secrets.token_hex(12))')}
[ "$(id -u)" -eq 0 ] || { echo "run as root (the cluster runs as user postgres)" >&2; exit 1; }
chown postgres:postgres "$BASE"
chmod 700 "$BASE"
runuser -u postgres -- "$PGBIN/initdb" -D "$PGDATA" -U postgres -A trust -E UTF8 --locale=C.UTF-8 >"$BASE/initdb.log" 2>&1
cat >>"$PGDATA/postgresql.conf" <<CONF
listen_addresses = '127.0.0.1'
port = $PORT
unix_socket_directories = '$BASE'
max_connections = 200
shared_buffers = 128MB
CONF
if [ "${DABIR_TEST_PG_DURABLE:-0}" != 1 ]; then
  # Tuned for tests, not durability: nothing here outlives the test run.
  printf 'fsync = off\nsynchronous_commit = off\nfull_page_writes = off\n' >>"$PGDATA/postgresql.conf"
fi
echo "host all all 127.0.0.1/32 scram-sha-256" >"$PGDATA/pg_hba.conf"
echo "local all postgres trust" >>"$PGDATA/pg_hba.conf"
runuser -u postgres -- "$PGBIN/pg_ctl" -D "$PGDATA" -l "$BASE/server.log" -w start >/dev/null
runuser -u postgres -- "$PGBIN/psql" -h "$BASE" -p "$PORT" -U postgres -q -v ON_ERROR_STOP=1 <<SQL
CREATE ROLE dabir LOGIN CREATEDB PASSWORD '$PASSWORD';
CREATE DATABASE dabir OWNER dabir;
-- Tests drop their databases WITH (FORCE); that must also end an autovacuum worker busy in them.
GRANT pg_signal_backend TO dabir;
SQL
echo "# cluster in $PGDATA (port $PORT); stop: runuser -u postgres -- $PGBIN/pg_ctl -D $PGDATA stop"
echo "export DABIR_TEST_PG_URL=postgresql+psycopg://dabir:$PASSWORD@127.0.0.1:$PORT/dabir"
