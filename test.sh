#!/usr/bin/env bash
# Runs the station's tests on a fresh Debian machine: installs what is missing (tools/setup.sh),
# points the PostgreSQL tests at a local server when one answers, then runs pytest.
# Extra arguments go to pytest (e.g. ./test.sh tests/station -x, ./test.sh -m slow).
set -euo pipefail
cd "$(dirname "$0")"
bash tools/setup.sh
export QT_QPA_PLATFORM="${QT_QPA_PLATFORM:-offscreen}"
export PYTHONDONTWRITEBYTECODE=1
if [ -z "${STATION_TEST_PG_URL:-}" ] && command -v pg_isready >/dev/null \
   && pg_isready -q -h 127.0.0.1 -p 5432; then
  export STATION_TEST_PG_URL="postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
fi
exec .venv/bin/python -m pytest -p no:cacheprovider "$@"
