#!/usr/bin/env bash
# Generates the Python gRPC client for oaktree.v1 from proto/ with grpcio-tools: one
# oaktree/v1/<name>_pb2.py (and _pb2_grpc.py, .pyi) per file of proto/oaktree/v1/, every one
# of them (location, query, resources, services, operations, ...), into OUT_DIR (default:
# examples/python/gen, which is gitignored).
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
  proto/oaktree/v1/*.proto
# The generated modules import each other as `oaktree.v1.<name>_pb2`; make those packages.
touch "$out/oaktree/__init__.py" "$out/oaktree/v1/__init__.py"
echo "generated oaktree.v1 Python modules in $out"
