#!/usr/bin/env bash
# Installs what a fresh machine lacks: the wasm32-wasip2 Rust target and a Python venv
# (.venv) with openstacksdk (simulator fidelity) and grpcio-tools (the Python client).
set -euo pipefail
cd "$(dirname "$0")/.."

rustup target add wasm32-wasip2
if [ ! -x .venv/bin/python ]; then
  python3 -m venv .venv
fi
.venv/bin/pip install --quiet --disable-pip-version-check -r scripts/requirements.txt
