#!/usr/bin/env bash
# Register this project's tslab as the "TypeScript" Jupyter kernel for the current user, so
# that `jupyter notebook notebooks/` runs the notebooks with the pinned tslab in node_modules.
#   usage: scripts/install-kernel.sh            (then: jupyter notebook notebooks/)
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
. "$root/scripts/jupyter-python.sh"
"$root/node_modules/.bin/tslab" install --user --python "$py" --binary "$root/node_modules/.bin/tslab"
echo "installed the tslab kernel for $(whoami) (binary $root/node_modules/.bin/tslab). Open the notebooks with: jupyter notebook $root/notebooks"
