#!/usr/bin/env bash
# A second PyTorch for `npm run bench`: pip's torch 2.x (CPU) with sentence-transformers, in the
# project's .venv (ignored by git), installed from pip's configured store. Debian's python3-torch
# (1.13) stays the first reference; the bench runs both and checks its bars against the faster.
set -euo pipefail
cd "$(dirname "$0")/.."
[ -x .venv/bin/python ] || /usr/bin/python3 -m venv .venv
.venv/bin/pip install --retries 0 -q torch sentence-transformers transformers safetensors tokenizers datasets accelerate
.venv/bin/python -c 'import torch, sentence_transformers as st; print("torch", torch.__version__, "sentence-transformers", st.__version__)'
