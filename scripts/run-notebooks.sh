#!/usr/bin/env bash
# Execute notebooks headless (Debian Jupyter + this project's tslab kernel); fail on any cell error.
#   usage: scripts/run-notebooks.sh [--out DIR] [--timeout SECS] [notebook.ipynb ...]
#   default: every notebooks/*.ipynb, executed copies in notebooks/executed/, GECKO_PRESET=smoke.
# The kernelspec is registered into node_modules/.cache/gecko-jupyter (found through
# JUPYTER_PATH), pointing at node_modules/.bin/tslab, so nothing global is touched.
# Exit codes: 0 all ran, 1 a cell failed, 3 Jupyter is not installed.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
# A relative folder variable (GECKO_DATA_DIR=../shared/data) means the folder the user started in (npm's
# INIT_CWD under `npm run notebooks`), not the kernel's: made absolute once, here, as lib/core/env.ts
# resolvePathVars does for the CLI and the tests.
start="$PWD"
if [ -n "${INIT_CWD:-}" ] && [ -f "$PWD/package.json" ]; then start="$INIT_CWD"; fi
for v in GECKO_DATA_DIR GECKO_MODELS_DIR GECKO_RUNS_DIR GECKO_CACHE_DIR GECKO_PROJECT_ROOT; do
  case "${!v:-}" in "" | /*) ;; *) export "$v=$(realpath -m -s -- "$start/${!v}")" ;; esac
done
cd "$root"

. "$root/scripts/jupyter-python.sh"
if ! "$py" -c 'import nbclient, nbformat' 2>/dev/null; then
  echo "run-notebooks: $py cannot import nbclient/nbformat. $jupyter_install_hint" >&2
  exit 3
fi

prefix="$root/node_modules/.cache/gecko-jupyter"
spec="$prefix/share/jupyter/kernels/tslab/kernel.json"
if ! grep -qF "\"$root/node_modules/.bin/tslab\"" "$spec" 2>/dev/null; then
  "$root/node_modules/.bin/tslab" install --python "$py" --prefix "$prefix" --binary "$root/node_modules/.bin/tslab" >/dev/null
fi
export JUPYTER_PATH="$prefix/share/jupyter${JUPYTER_PATH:+:$JUPYTER_PATH}"
export GECKO_PRESET="${GECKO_PRESET:-smoke}"
export PYDEVD_DISABLE_FILE_VALIDATION=1

args=("$@")
has_nb=0
for a in "$@"; do case "$a" in *.ipynb) has_nb=1 ;; esac; done
if [ "$has_nb" = 0 ]; then
  shopt -s nullglob
  nbs=(notebooks/*.ipynb)
  if [ ${#nbs[@]} -eq 0 ]; then echo "run-notebooks: no notebooks/*.ipynb" >&2; exit 1; fi
  args+=("${nbs[@]}")
fi
echo "run-notebooks: preset $GECKO_PRESET, kernel tslab ($root/node_modules/.bin/tslab)" >&2
exec "$py" -Xfrozen_modules=off "$root/scripts/run-notebooks.py" "${args[@]}"
