#!/usr/bin/env bash
# Cached read throughput through gRPC, measured by h2load (a separate process) against the
# demo daemon: ListServers at one location (alpha/us-east-1, 8 servers), answered from the
# cache after the first call. Usage: scripts/bench-cached-throughput.sh [oaktree binary...]
# (default: target/release/oaktree). Needs: apt-get install nghttp2-client; .venv (setup.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
binaries=("$@")
[ ${#binaries[@]} -gt 0 ] || binaries=(target/release/oaktree)
command -v h2load > /dev/null || { echo "h2load missing: apt-get install nghttp2-client" >&2; exit 1; }

gen=$(mktemp -d)
trap 'rm -rf "$gen"' EXIT
PYTHON=.venv/bin/python bash examples/python/generate.sh "$gen" > /dev/null
PYTHONPATH="$gen" .venv/bin/python - "$gen/request.bin" <<'PY'
import struct, sys
from oaktree.v1 import location_pb2, query_pb2
body = query_pb2.ListRequest(selector=location_pb2.LocationSelector(
    clouds=["alpha"], regions=["us-east-1"])).SerializeToString()
open(sys.argv[1], "wb").write(struct.pack(">BI", 0, len(body)) + body)
PY

port=50071
for round in 1 2; do
  for binary in "${binaries[@]}"; do
    "$binary" demo --listen 127.0.0.1:$port --plugin-dir plugins/target/wasm32-wasip2/release > /dev/null 2>&1 &
    daemon=$!
    for _ in $(seq 50); do (exec 3<>/dev/tcp/127.0.0.1/$port) 2>/dev/null && break; sleep 0.2; done
    result=$(h2load -n 200000 -c 2 -m 16 -t 1 -H 'content-type: application/grpc' -H 'te: trailers' \
      -d "$gen/request.bin" "http://127.0.0.1:$port/oaktree.v1.CloudService/ListServers" \
      | grep -E "finished in|succeeded")
    echo "round $round  $binary: $(echo "$result" | tr '\n' ' ')"
    kill "$daemon"; wait "$daemon" 2>/dev/null || true
  done
done
