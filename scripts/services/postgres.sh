#!/usr/bin/env bash
# Starts a PostgreSQL 15 cluster on 127.0.0.1:5432 with a `ticketbridge` role and database, for the tests of
# @ticketbridge/store-postgres and the multi-worker tests. Idempotent: installs Debian's packages only when missing,
# starts the cluster only when it is down, creates the role and database only when absent.
#
# Needs root (apt-get, and the cluster runs as the `postgres` user). Diagnostics go to stderr; stdout is only the
# variable the tests read, so a caller can do:   eval "$(bash scripts/services/postgres.sh)"
#
# The password is a fixed, local-only test credential: the cluster listens on loopback only.
set -euo pipefail

PG_VERSION=15
PG_CLUSTER=main
PG_PORT="${TICKETBRIDGE_PG_PORT:-5432}"
PG_ROLE=ticketbridge
PG_PASSWORD=ticketbridge
PG_DB=ticketbridge
URL="postgres://${PG_ROLE}:${PG_PASSWORD}@127.0.0.1:${PG_PORT}/${PG_DB}"

log() { echo "services/postgres: $*" >&2; }

if [ "$(id -u)" != 0 ]; then
  log "run as root (it installs packages and starts the cluster as the postgres user)"
  exit 1
fi

if ! [ -x "/usr/lib/postgresql/${PG_VERSION}/bin/postgres" ] || ! command -v pg_ctlcluster >/dev/null 2>&1; then
  log "installing postgresql-${PG_VERSION}"
  # Another apt run (dpkg lock) makes this fail loudly rather than wait forever; retry once it is done.
  apt-get update >&2
  DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "postgresql-${PG_VERSION}" postgresql-client-common >&2
fi

if ! pg_lsclusters -h 2>/dev/null | awk '{print $1" "$2}' | grep -qx "${PG_VERSION} ${PG_CLUSTER}"; then
  log "creating cluster ${PG_VERSION}/${PG_CLUSTER}"
  pg_createcluster "${PG_VERSION}" "${PG_CLUSTER}" --port "${PG_PORT}" >&2
fi

conf="/etc/postgresql/${PG_VERSION}/${PG_CLUSTER}/postgresql.conf"
# Loopback only; enough connections for several worker processes with their pools plus parallel test files.
changed=0
if ! grep -q '^# ticketbridge services$' "$conf"; then
  changed=1
  cat >>"$conf" <<CONF
# ticketbridge services
listen_addresses = '127.0.0.1'
port = ${PG_PORT}
max_connections = 200
CONF
fi

status=$(pg_lsclusters -h | awk -v v="$PG_VERSION" -v c="$PG_CLUSTER" '$1==v && $2==c {print $4}')
if [ "$status" = online ] && [ "$changed" = 1 ]; then
  # Already running (started by someone else) without our settings: listen_addresses and max_connections need a restart.
  log "restarting cluster ${PG_VERSION}/${PG_CLUSTER} for its new settings"
  pg_ctlcluster "${PG_VERSION}" "${PG_CLUSTER}" restart >&2
elif [ "$status" != online ]; then
  log "starting cluster ${PG_VERSION}/${PG_CLUSTER}"
  # Two callers at once: the loser's start fails with "already running"; the wait below settles it.
  pg_ctlcluster "${PG_VERSION}" "${PG_CLUSTER}" start >&2 || log "start returned $? (another start in progress?)"
fi

for _ in $(seq 1 60); do
  if pg_isready -q -h 127.0.0.1 -p "${PG_PORT}"; then break; fi
  sleep 0.5
done
pg_isready -h 127.0.0.1 -p "${PG_PORT}" >&2 || { log "PostgreSQL does not answer on 127.0.0.1:${PG_PORT}"; exit 1; }

psql_admin() { runuser -u postgres -- psql -p "${PG_PORT}" -v ON_ERROR_STOP=1 -qAtX "$@"; }
if [ "$(psql_admin -c "SELECT 1 FROM pg_roles WHERE rolname = '${PG_ROLE}'")" != 1 ]; then
  log "creating role ${PG_ROLE}"
  psql_admin -c "CREATE ROLE ${PG_ROLE} LOGIN PASSWORD '${PG_PASSWORD}'" >&2 || true
fi
if [ "$(psql_admin -c "SELECT 1 FROM pg_database WHERE datname = '${PG_DB}'")" != 1 ]; then
  log "creating database ${PG_DB}"
  psql_admin -c "CREATE DATABASE ${PG_DB} OWNER ${PG_ROLE}" >&2 || true
fi

# The tests' own check: the URL they will use answers.
PGPASSWORD="${PG_PASSWORD}" psql -h 127.0.0.1 -p "${PG_PORT}" -U "${PG_ROLE}" -d "${PG_DB}" -qAtX -c 'SELECT 1' >/dev/null \
  || { log "cannot log in as ${PG_ROLE} over 127.0.0.1"; exit 1; }
log "ready: PostgreSQL ${PG_VERSION} on 127.0.0.1:${PG_PORT}"
echo "export TICKETBRIDGE_PG_URL=${URL}"
