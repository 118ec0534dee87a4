# Sourced by the notebook scripts: sets $py to Jupyter's own Python interpreter (from the
# `jupyter` shebang; python3 on PATH may be another one, e.g. pyenv), or exits 3 with the fix.
jupyter_install_hint="Debian/Ubuntu: sudo apt-get install -y jupyter-notebook python3-nbconvert python3-nbclient jupyter-client jupyter-nbconvert"
jupyter_bin="$(command -v jupyter || true)"
if [ -z "$jupyter_bin" ]; then
  echo "$(basename "$0"): Jupyter not found on PATH. $jupyter_install_hint" >&2
  exit 3
fi
py="$(head -1 "$jupyter_bin" | sed -n 's/^#! *//p' | awk '{print $1}')"
if [ -z "$py" ] || [ ! -x "$py" ] || [ "$(basename "$py")" = env ]; then py="$(command -v python3)"; fi
