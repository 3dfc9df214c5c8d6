#!/usr/bin/env bash
# The main job on a fresh machine: build the OpenStack driver plugin and the daemon, start
# simulated clouds (3 clouds x 4 regions) and the daemon against them, and print a
# federated listing of every server with its location. The daemon keeps serving on
# 127.0.0.1:50051 until Ctrl-C. Pass --once to exit after the listing.
set -euo pipefail
cd "$(dirname "$0")/.."

rustup target list --installed | grep -qx wasm32-wasip2 || rustup target add wasm32-wasip2
(cd plugins && cargo build --release --target wasm32-wasip2)
cargo run --release -p oaktree -- demo --plugin-dir plugins/target/wasm32-wasip2/release "$@"
