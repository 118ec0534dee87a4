#!/usr/bin/env python3
"""Execute Jupyter notebooks headless with the tslab kernel and fail on any cell error.

tslab reports errors with an empty ename/evalue, so on failure this prints the failing
cell's source and its stderr (where tslab writes the real message). The kernel's working
directory is the notebook's folder (cells import './lib/...' through the notebooks/lib
symlink). Executed copies, including failed ones, go to --out.

Called by scripts/run-notebooks.sh, which registers the kernel and sets JUPYTER_PATH.
"""
import argparse
import os
import sys
import time

import nbformat
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError, CellTimeoutError, DeadKernelError


def stream_text(outputs, name):
    return "".join(o.get("text", "") for o in outputs if o.get("output_type") == "stream" and o.get("name") == name)


def run_one(path, out_dir, kernel, timeout):
    nb = nbformat.read(path, as_version=4)
    state = {"index": None, "t": {}}

    def on_execute(cell, cell_index):  # code cells only, just before they run
        state["index"] = cell_index
        state["t"][cell_index] = time.time()

    def on_executed(cell, cell_index, execute_reply):
        state["t"][cell_index] = time.time() - state["t"][cell_index]

    client = NotebookClient(
        nb, kernel_name=kernel, timeout=timeout, allow_errors=False,
        resources={"metadata": {"path": os.path.dirname(os.path.abspath(path))}},
        on_cell_execute=on_execute, on_cell_executed=on_executed,
    )
    t0 = time.time()
    error = None
    try:
        client.execute()
    except (CellExecutionError, CellTimeoutError, DeadKernelError) as e:
        error = e
    elapsed = time.time() - t0
    os.makedirs(out_dir, exist_ok=True)
    nbformat.write(nb, os.path.join(out_dir, os.path.basename(path)))
    name = os.path.basename(path)
    if error is None:
        slow = max(((t, i) for i, t in state["t"].items()), default=(0.0, 0))
        print(f"ok     {name}  {elapsed:.1f}s  (slowest cell #{slow[1]}: {slow[0]:.1f}s)", flush=True)
        return True
    i = state["index"]
    cell = nb.cells[i] if i is not None else None
    print(f"FAILED {name}  cell #{i} after {elapsed:.1f}s", file=sys.stderr)
    if cell is not None:
        print("---- cell source ----", file=sys.stderr)
        print(cell.source, file=sys.stderr)
        outs = cell.get("outputs", [])
        err = stream_text(outs, "stderr").strip()
        errors = [f"{o.get('ename', '')}: {o.get('evalue', '')}" for o in outs if o.get("output_type") == "error"]
        print("---- cell stderr ----", file=sys.stderr)
        print(err or "(empty)", file=sys.stderr)
        if any(e.strip(": ") for e in errors):
            print("---- error ----\n" + "\n".join(errors), file=sys.stderr)
        out = stream_text(outs, "stdout").strip()
        if out:
            print("---- cell stdout (last 40 lines) ----", file=sys.stderr)
            print("\n".join(out.splitlines()[-40:]), file=sys.stderr)
    if not isinstance(error, CellExecutionError):
        print(f"---- {type(error).__name__} ----\n{error}", file=sys.stderr)
    print(f"(executed copy: {os.path.join(out_dir, name)})", file=sys.stderr, flush=True)
    return False


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("notebooks", nargs="+")
    ap.add_argument("--out", default="notebooks/executed", help="folder for executed copies")
    ap.add_argument("--kernel", default="tslab")
    ap.add_argument("--timeout", type=int, default=1800, help="seconds per cell")
    args = ap.parse_args()
    failed = [p for p in args.notebooks if not run_one(p, args.out, args.kernel, args.timeout)]
    if failed:
        print(f"{len(failed)} of {len(args.notebooks)} notebooks failed: {', '.join(failed)}", file=sys.stderr)
        sys.exit(1)


if __name__ == "__main__":
    main()
