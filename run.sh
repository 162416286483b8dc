#!/usr/bin/env bash
# Sets up and launches the station on its embedded defaults: SQLite database, local CA and
# RFC 3161 time stamp service, device simulators on virtual serial ports.
# The first run creates a demo data folder (station init --demo; STATION_HOME, default: the platform's user
# data folder), the demo staff (reg01 / doc01 / nur01 / arc01, password Station-Demo-2026, signing PIN
# 482916) and a few finished donations so that every workspace has something to show.
# On a machine without a display it runs the headless demo instead and prints its figures.
set -euo pipefail
cd "$(dirname "$0")"
bash tools/setup.sh
STATION=.venv/bin/station
DATA_DIR="$(.venv/bin/python -c 'from station.config import default_data_dir; print(default_data_dir())')"
DATA_ARGS=(--data-dir "$DATA_DIR")
if [ ! -f "$DATA_DIR/station.toml" ]; then
  # --demo: a demo folder (marked; `station demo` runs only on one), whose CA passphrase is stored beside
  # the keys (pki/DEMO-KEYS-README.txt says so)
  "$STATION" init "${DATA_ARGS[@]}" --demo --admin-password "Chief-Demo-2026"
  "$STATION" demo --headless "${DATA_ARGS[@]}" --donations 8 --seed 1 --no-archive
  echo "demo staff: reg01 (registration) doc01 (physician) nur01 (nurse) arc01 (archivist)," \
       "password Station-Demo-2026, signing PIN 482916; admin / Chief-Demo-2026 (change it at the first sign-in)"
fi
if [ -z "${DISPLAY:-}${WAYLAND_DISPLAY:-}" ] && [ "${QT_QPA_PLATFORM:-}" != "offscreen" ]; then
  # (station demo runs only on a demo folder: a real installation in STATION_HOME is refused, not touched)
  echo "no display: running the headless demo (20 donations through devices, signing and archiving)"
  exec "$STATION" demo --headless "${DATA_ARGS[@]}" --donations 20 "$@"
fi
exec "$STATION" "${DATA_ARGS[@]}" "$@"
