#!/usr/bin/env bash
# The full check, as CI runs it: set-up, then lint/format/type/import checks, then pytest.
# Stops at the first failing step. Extra arguments go to pytest, e.g. scripts/test.sh -k kafka
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
bin=$root/.venv/bin

step() { printf '\n==> %s\n' "$*"; }
fail() { printf '\nFAILED: %s\n' "$*" >&2; exit 1; }

step "setup"
scripts/setup.sh || fail "scripts/setup.sh"

pg_dsn=postgresql+psycopg://yrdhub:yrdhub@127.0.0.1:5432/yrdhub
if [ "${CI:-}" = true ] || [ "${YRDHUB_WITH_POSTGRES:-}" = 1 ]; then
  step "postgres"
  pg_env=$(scripts/postgres.sh) || fail "scripts/postgres.sh"
  eval "$pg_env"
elif [ -z "${YRDHUB_TEST_PG_DSN:-}" ] && command -v pg_isready >/dev/null \
    && pg_isready -q -h 127.0.0.1 -p 5432; then
  export YRDHUB_TEST_PG_DSN=$pg_dsn
fi
echo "YRDHUB_TEST_PG_DSN=${YRDHUB_TEST_PG_DSN:-(unset: PostgreSQL tests will be skipped)}"

step "browser (Chromium for the verify-page tests)"
scripts/browser.sh || fail "scripts/browser.sh"

step "buf lint"
"$bin/buf" lint proto || fail "buf lint proto"

step "buf breaking (against the last released contracts)"
released=$(scripts/contracts-release.sh) || fail "no released contracts in proto/releases/"
"$bin/buf" breaking proto --against "$released" \
  || fail "an incompatible change to the contracts released as $released (see proto/CHANGELOG.md)"

step "generated code is up to date"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
scripts/gen-proto.sh "$tmp" >/dev/null || fail "scripts/gen-proto.sh"
diff -r -x __pycache__ "$tmp/yrdhub" yrdhub \
  || fail "yrdhub/ is stale: run scripts/gen-proto.sh (make proto) and commit the result"

step "ruff check"
"$bin/ruff" check . || fail "ruff check (try: .venv/bin/ruff check --fix .)"

step "ruff format --check"
"$bin/ruff" format --check . || fail "ruff format (run: .venv/bin/ruff format .)"

step "mypy"
"$bin/mypy" || fail "mypy"

step "lint-imports"
"$bin/lint-imports" || fail "import contracts (lint-imports)"

step "helm chart"
scripts/helm.sh || fail "helm chart (scripts/helm.sh)"

step "pytest $*"
rc=0
"$bin/pytest" "$@" || rc=$?
# pytest exits 5 when it collected no tests: a suite that silently runs nothing is a failure.
[ "$rc" -eq 5 ] && fail "pytest collected no tests"
[ "$rc" -eq 0 ] || fail "pytest (exit $rc)"
printf '\nAll checks passed.\n'
