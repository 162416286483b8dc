#!/usr/bin/env bash
# Build the one-folder bundle of the station on Linux: installer/build.sh [--out DIR]
# The bundle lands in DIR/station/ (default: dist/station/); run DIR/station/station --version.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
OUT="$ROOT/dist"
while [ $# -gt 0 ]; do
  case "$1" in
    --out) OUT="$2"; shift 2 ;;
    --out=*) OUT="${1#--out=}"; shift ;;
    -h|--help) echo "usage: installer/build.sh [--out DIR]"; exit 0 ;;
    *) echo "build.sh: unknown argument $1" >&2; exit 2 ;;
  esac
done
mkdir -p "$OUT"
OUT="$(cd "$OUT" && pwd)"
cd "$ROOT"
# STATION_BUILD_PYTHON: another interpreter with the station installed (the tests pass their own)
PY="${STATION_BUILD_PYTHON:-$ROOT/.venv/bin/python}"
if [ ! -x "$PY" ]; then
  python3 -m venv .venv
  PY="$ROOT/.venv/bin/python"
  "$PY" -m pip install -q -e ".[build,postgres]"
fi
if ! "$PY" -c "import PyInstaller" 2>/dev/null; then
  "$PY" -m pip install -q -e ".[build,postgres]"
fi
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
"$PY" -m PyInstaller --noconfirm --clean --log-level WARN \
  --distpath "$OUT" --workpath "$WORK" "$ROOT/installer/station.spec"
echo "built $OUT/station/station"
