#!/usr/bin/env bash
# Register this project's tslab as the "TypeScript" Jupyter kernel for the current user, so
# that `jupyter notebook notebooks/` runs the notebooks with the pinned tslab in node_modules.
#   usage: scripts/install-kernel.sh            (then: jupyter notebook notebooks/)
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
jupyter_bin="$(command -v jupyter || true)"
if [ -z "$jupyter_bin" ]; then
  echo "install-kernel: Jupyter not found. Debian/Ubuntu: sudo apt-get install -y jupyter-notebook python3-nbconvert python3-nbclient jupyter-client jupyter-nbconvert" >&2
  exit 3
fi
# Jupyter's own interpreter (from its shebang): python3 on PATH may be another one (pyenv).
py="$(head -1 "$jupyter_bin" | sed -n 's/^#! *//p' | awk '{print $1}')"
if [ -z "$py" ] || [ ! -x "$py" ] || [ "$(basename "$py")" = env ]; then py="$(command -v python3)"; fi
"$root/node_modules/.bin/tslab" install --user --python "$py" --binary "$root/node_modules/.bin/tslab"
echo "installed the tslab kernel for $(whoami) (binary $root/node_modules/.bin/tslab). Open the notebooks with: jupyter notebook $root/notebooks"
