#!/usr/bin/env bash
# Runs every test: formatting and lints, the guest plugins' unit tests, and the host,
# simulator and behaviour tests (which build the plugins and start simulated clouds and
# daemons on 127.0.0.1 themselves). Needs: the wasm32-wasip2 target and the Python venv
# (.venv with openstacksdk, grpcio, grpcio-tools); scripts/setup.sh installs both.
set -euo pipefail
cd "$(dirname "$0")/.."

cargo fmt --all -- --check
(cd plugins && cargo fmt --all -- --check)

# Guest plugins: lints for the real target, unit tests natively.
(cd plugins && cargo clippy --release --target wasm32-wasip2 -- -D warnings)
(cd plugins && cargo test --target "$(rustc -vV | sed -n 's/^host: //p')")

cargo clippy --workspace --all-targets -- -D warnings
cargo test --workspace
