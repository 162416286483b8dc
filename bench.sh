#!/usr/bin/env bash
# Runs the benchmarks (bench/NAME.py) and collects each one's last JSON line into bench-results.jsonl.
#   ./bench.sh            every benchmark, full size
#   ./bench.sh --quick    every benchmark, the smaller run (a few minutes each at most)
#   ./bench.sh NAME ...   only these (e.g. ./bench.sh --quick signing archive)
# stations.py needs a PostgreSQL server (STATION_TEST_PG_URL, else the local one on 127.0.0.1:5432).
set -euo pipefail
cd "$(dirname "$0")"
bash tools/setup.sh
export QT_QPA_PLATFORM="${QT_QPA_PLATFORM:-offscreen}"
if [ -z "${STATION_TEST_PG_URL:-}" ] && command -v pg_isready >/dev/null \
   && pg_isready -q -h 127.0.0.1 -p 5432; then
  export STATION_TEST_PG_URL="postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
fi
args=()
names=()
for a in "$@"; do
  case "$a" in
    --*) args+=("$a") ;;
    *) names+=("$a") ;;
  esac
done
if [ ${#names[@]} -eq 0 ]; then
  for f in bench/*.py; do names+=("$(basename "$f" .py)"); done
fi
out=bench-results.jsonl
: > "$out"
status=0
for name in "${names[@]}"; do
  echo "== bench/$name.py ${args[*]:-}"
  if .venv/bin/python "bench/$name.py" "${args[@]}" | tee "/tmp/bench-$name.log"; then
    tail -n 1 "/tmp/bench-$name.log" >> "$out"
  else
    echo "bench/$name.py failed" >&2
    status=1
  fi
done
echo "figures: $out"
exit $status
