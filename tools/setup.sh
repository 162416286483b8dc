#!/usr/bin/env bash
# Installs what a fresh Debian 12 machine lacks to run and test the station:
# Debian packages (serial ptys, SoftHSM2, pcscd + vpcd, poppler, CJK font,
# Qt's runtime libraries, PostgreSQL client) and the Python virtual
# environment in .venv with the project installed editable.
# Safe to run again: it skips what is already there.
set -euo pipefail
cd "$(dirname "$0")/.."

APT_PACKAGES=(
  socat softhsm2 opensc pcscd pcsc-tools libpcsclite-dev swig vsmartcard-vpcd
  poppler-utils qpdf fonts-wqy-zenhei libnss3-tools openssl zbar-tools
  libegl1 libgl1 libxkbcommon0 libxkbcommon-x11-0 libfontconfig1 libdbus-1-3
  libglib2.0-0 libxcb-cursor0 xvfb postgresql-client
  icc-profiles-free default-jre-headless libpdfbox2-java libactivation-java libjaxb-api-java faketime
  gir1.2-fprint-2.0 libfprint-2-2 libgirepository1.0-dev libcairo2-dev pkg-config
)

missing=()
for p in "${APT_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "setup: installing Debian packages: ${missing[*]}"
  SUDO=""
  if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

PY="${PYTHON:-python3}"
if [ ! -x .venv/bin/python ]; then
  echo "setup: creating .venv"
  "$PY" -m venv .venv
fi
stamp=.venv/.installed-$(sha256sum pyproject.toml | cut -c1-16)
if [ ! -f "$stamp" ]; then
  echo "setup: installing the station into .venv"
  .venv/bin/python -m pip install -q --upgrade pip
  .venv/bin/python -m pip install -q -e ".[test,postgres,smartcard,libfprint]"
  rm -f .venv/.installed-*
  touch "$stamp"
fi
