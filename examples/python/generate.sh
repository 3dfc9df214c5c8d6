#!/usr/bin/env bash
# Generates the Python gRPC client for oaktree.v1 from proto/ with grpcio-tools:
#   oaktree/v1/{location,query,resources,services}_pb2.py and *_pb2_grpc.py
# into OUT_DIR (default: examples/python/gen, which is gitignored).
#
# Usage: examples/python/generate.sh [OUT_DIR]
# Uses $PYTHON, else the repository's .venv, else python3; it needs grpcio-tools.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
out="${1:-$here/gen}"

if [[ -n "${PYTHON:-}" ]]; then
  python="$PYTHON"
elif [[ -x "$root/.venv/bin/python" ]]; then
  python="$root/.venv/bin/python"
else
  python=python3
fi

mkdir -p "$out"
out="$(cd "$out" && pwd)"
cd "$root"
"$python" -m grpc_tools.protoc \
  -I proto \
  --python_out="$out" \
  --grpc_python_out="$out" \
  --pyi_out="$out" \
  proto/oaktree/v1/location.proto \
  proto/oaktree/v1/query.proto \
  proto/oaktree/v1/resources.proto \
  proto/oaktree/v1/services.proto
# The generated modules import each other as `oaktree.v1.<name>_pb2`; make those packages.
touch "$out/oaktree/__init__.py" "$out/oaktree/v1/__init__.py"
echo "generated oaktree.v1 Python modules in $out"
