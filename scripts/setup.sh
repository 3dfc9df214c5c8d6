#!/usr/bin/env bash
# Installs what a fresh machine lacks: the wasm32-wasip2 Rust target and a Python venv
# (.venv) with openstacksdk (simulator fidelity) and grpcio-tools (the Python client), plus
# the toolchains of the drivers in other languages: componentize-py (into .venv) and
# componentize-js (`npm ci` in plugins/js-jsoncloud, pinned by its package-lock.json).
set -euo pipefail
cd "$(dirname "$0")/.."

rustup target add wasm32-wasip2
# qemu-img converts images between disk formats (images everywhere, and the tests).
if ! command -v qemu-img >/dev/null; then
  if [ "$(id -u)" -eq 0 ]; then apt-get update -qq && apt-get install -y -qq qemu-utils
  else sudo apt-get update -qq && sudo apt-get install -y -qq qemu-utils; fi
fi
if [ ! -x .venv/bin/python ]; then
  python3 -m venv .venv
fi
.venv/bin/pip install --quiet --disable-pip-version-check -r scripts/requirements.txt
.venv/bin/pip install --quiet --disable-pip-version-check -r plugins/python-jsoncloud/requirements.txt
# npm ci wipes and reinstalls node_modules: run it only when the lock file is newer than the
# last install.
npm_stamp=plugins/js-jsoncloud/node_modules/.oaktree-npm-ci
if [ ! -f "$npm_stamp" ] || [ plugins/js-jsoncloud/package-lock.json -nt "$npm_stamp" ]; then
  (cd plugins/js-jsoncloud && npm ci --no-audit --no-fund --loglevel=error)
  touch "$npm_stamp"
fi
