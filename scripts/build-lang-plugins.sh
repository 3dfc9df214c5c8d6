#!/usr/bin/env bash
# Builds the drivers written in other languages into plugins/target/lang/:
#   oaktree_jsoncloud_py.wasm  from plugins/python-jsoncloud (componentize-py, in .venv)
#   oaktree_jsoncloud_js.wasm  from plugins/js-jsoncloud    (componentize-js, in its node_modules)
# A component newer than its sources and wit/ is kept (pass --force to rebuild anyway).
# Needs what scripts/setup.sh installs.
set -euo pipefail
cd "$(dirname "$0")/.."

out=plugins/target/lang
mkdir -p "$out"
force=${1:-}

# Whether $1 is missing or older than any source under the other arguments.
stale() {
  local artifact=$1
  shift
  [ "$force" = --force ] && return 0
  [ -f "$artifact" ] || return 0
  [ -n "$(find "$@" \( -name node_modules -o -name __pycache__ \) -prune -o -type f \
    -newer "$artifact" -print -quit)" ]
}

if stale "$out/oaktree_jsoncloud_py.wasm" plugins/python-jsoncloud wit; then
  started=$SECONDS
  .venv/bin/componentize-py -d wit -w cloud-driver componentize app \
    -p plugins/python-jsoncloud -o "$out/oaktree_jsoncloud_py.wasm" >/dev/null
  echo "built $out/oaktree_jsoncloud_py.wasm in $((SECONDS - started)) s"
fi

if stale "$out/oaktree_jsoncloud_js.wasm" plugins/js-jsoncloud wit; then
  started=$SECONDS
  (cd plugins/js-jsoncloud && node build.mjs ../target/lang/oaktree_jsoncloud_js.wasm)
  echo "built $out/oaktree_jsoncloud_js.wasm in $((SECONDS - started)) s"
fi
