#!/usr/bin/env bash
# Runs the station's tests on a fresh Debian machine: installs what is missing (tools/setup.sh), runs
# pytest on the embedded SQLite database, then, when a PostgreSQL server answers (STATION_TEST_PG_URL,
# else the local one on 127.0.0.1:5432), runs every database-backed test again on PostgreSQL.
# Extra arguments go to pytest and skip the PostgreSQL pass (e.g. ./test.sh tests/station -x).
set -euo pipefail
cd "$(dirname "$0")"
bash tools/setup.sh
export QT_QPA_PLATFORM="${QT_QPA_PLATFORM:-offscreen}"
export PYTHONDONTWRITEBYTECODE=1
if [ -z "${STATION_TEST_PG_URL:-}" ] && command -v pg_isready >/dev/null \
   && pg_isready -q -h 127.0.0.1 -p 5432; then
  export STATION_TEST_PG_URL="postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
fi
PYTEST=(.venv/bin/python -m pytest -p no:cacheprovider)
if [ $# -gt 0 ]; then exec "${PYTEST[@]}" "$@"; fi

echo "== pass 1: SQLite (and the PostgreSQL-only tests when a server answers)"
"${PYTEST[@]}"
if [ -n "${STATION_TEST_PG_URL:-}" ]; then
  echo "== pass 2: the database-backed tests again, each on its own PostgreSQL database"
  dirs=()
  for d in tests/station tests/archive tests/forms tests/ui tests/operations; do
    [ -d "$d" ] && dirs+=("$d")
  done
  STATION_TEST_BACKEND=postgresql "${PYTEST[@]}" "${dirs[@]}"
else
  echo "== no PostgreSQL server at STATION_TEST_PG_URL: PostgreSQL pass skipped"
fi
