#!/usr/bin/env bash
# Idempotent: a local PostgreSQL on 127.0.0.1:5432 with role and database `yrdhub`
# (password `yrdhub`, CREATEDB so tests can make throwaway databases).
# Prints the export line for the test suite, e.g.  eval "$(scripts/postgres.sh)"
set -euo pipefail

as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }
as_postgres() { (cd / && as_root runuser -u postgres -- "$@"); }  # cd: no "permission denied" noise
log() { echo "postgres: $*" >&2; }

if ! command -v pg_lsclusters >/dev/null || [ -z "$(pg_lsclusters -h 2>/dev/null)" ]; then
  if ! dpkg -s postgresql >/dev/null 2>&1; then
    log "installing postgresql (apt-get)"
    as_root apt-get update -q >&2
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q postgresql >&2
  fi
fi

# Debian's package normally creates a cluster; make one if it did not (e.g. in a container).
if [ -z "$(pg_lsclusters -h)" ]; then
  version=$(ls /usr/lib/postgresql | sort -V | tail -n1)
  log "creating cluster $version/main"
  as_root pg_createcluster "$version" main --port 5432 >&2
fi
read -r version cluster port status _ < <(pg_lsclusters -h | head -n1)
if [ "$port" != 5432 ]; then
  log "cluster $version/$cluster uses port $port, expected 5432" && exit 1
fi
if [ "$status" != online ]; then
  log "starting cluster $version/$cluster"
  as_root pg_ctlcluster "$version" "$cluster" start >&2
fi
for _ in $(seq 30); do pg_isready -q -h 127.0.0.1 -p 5432 && break; sleep 1; done
pg_isready -q -h 127.0.0.1 -p 5432 || { log "server does not answer on 127.0.0.1:5432"; exit 1; }

psql_admin() { as_postgres psql -X -q -v ON_ERROR_STOP=1 -p 5432 "$@"; }
if [ "$(psql_admin -tAc "SELECT 1 FROM pg_roles WHERE rolname = 'yrdhub'")" != 1 ]; then
  log "creating role yrdhub"
  psql_admin -c "CREATE ROLE yrdhub"
fi
# Re-applied every run so a role changed by hand gets back what the tests rely on.
psql_admin -c "ALTER ROLE yrdhub LOGIN CREATEDB PASSWORD 'yrdhub'"
if [ "$(psql_admin -tAc "SELECT 1 FROM pg_database WHERE datname = 'yrdhub'")" != 1 ]; then
  log "creating database yrdhub"
  psql_admin -c "CREATE DATABASE yrdhub OWNER yrdhub"
fi

echo "export YRDHUB_TEST_PG_DSN=postgresql+psycopg://yrdhub:yrdhub@127.0.0.1:5432/yrdhub"
