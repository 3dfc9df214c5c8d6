#!/usr/bin/env bash
# Runs every test: formatting and lints, the guest plugins' unit tests, and the host,
# simulator and behaviour tests (which build the plugins and start simulated clouds and
# daemons on 127.0.0.1 themselves). Needs: the wasm32-wasip2 target and the Python venv
# (.venv with openstacksdk, grpcio, grpcio-tools, componentize-py) and componentize-js in
# plugins/js-jsoncloud/node_modules; scripts/setup.sh installs them.
set -euo pipefail
cd "$(dirname "$0")/.."

cargo fmt --all -- --check
(cd plugins && cargo fmt --all -- --check)

# Guest plugins: lints for the real target, unit tests natively.
(cd plugins && cargo clippy --release --target wasm32-wasip2 -- -D warnings)
(cd plugins && cargo test --target "$(rustc -vV | sed -n 's/^host: //p')")

# Drivers in other languages (Python, JavaScript): built here so a toolchain problem shows
# before the behaviour tests that load them (tests/lang_plugins.rs).
scripts/build-lang-plugins.sh

cargo clippy --workspace --all-targets -- -D warnings
cargo test --workspace
