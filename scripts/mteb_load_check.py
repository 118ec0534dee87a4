#!/usr/bin/env python3
"""Load a `gecko eval` results folder with mteb's own loaders and print what they saw, as JSON.

Usage: mteb_load_check.py RESULTS_DIR   (the folder gecko eval --out wrote: <model>/<revision>/...)
       mteb_load_check.py --probe       (exit 0 when mteb is installed, 3 when it is not)

It runs, on a throw-away mteb cache whose results/ is RESULTS_DIR (a symlink):
  - mteb.ResultCache(cache).load_results(require_model_meta=True, include_remote=False), mteb 2.x;
  - TaskResult.validate_and_filter_scores() on each result, recording the splits and subsets
    it fills with NaN (those missing from the file);
  - ModelMeta.model_validate_json_resolved() on each model_meta.json (mteb 2.x);
  - the deprecated mteb.load_results(download_latest=False, require_model_meta=True,
    validate_and_filter=True), the function that skipped folders without model_meta.json.
mteb needs pytrec_eval only to score retrieval; where it is missing (pip's local store here has
no pytrec-eval-terrier wheel) a stub module that refuses to score stands in, and the output says so.
Used by test/eval/mteb-layout.test.ts when a Python with mteb is available (GECKO_MTEB_PYTHON).
"""
import json
import math
import os
import sys
import tempfile
import types
import warnings
from pathlib import Path


def import_mteb():
    stubbed = False
    try:
        import pytrec_eval  # noqa: F401
    except ImportError:
        stub = types.ModuleType("pytrec_eval")

        class RelevanceEvaluator:  # never called when only loading results
            def __init__(self, *a, **k):
                raise RuntimeError("pytrec_eval is a stub here: mteb_load_check.py loads results, it scores nothing")

        stub.RelevanceEvaluator = RelevanceEvaluator
        stub.supported_measures = set()
        sys.modules["pytrec_eval"] = stub
        stubbed = True
    import mteb

    return mteb, stubbed


def nan_filled(validated):
    out = {}
    for split, entries in validated.scores.items():
        missing = [e["hf_subset"] for e in entries if isinstance(e.get("main_score"), float) and math.isnan(e["main_score"])]
        if missing:
            out[split] = missing
    return out


def main():
    if sys.argv[1:] == ["--probe"]:  # cheap: finds the package without importing it (and torch)
        import importlib.util

        sys.exit(0 if importlib.util.find_spec("mteb") else 3)
    results = Path(sys.argv[1]).resolve()
    mteb, stubbed = import_mteb()
    from mteb.models.model_meta import ModelMeta

    warnings.simplefilter("ignore")
    out = {"mteb": getattr(mteb, "__version__", None), "pytrec_eval_stub": stubbed}
    with tempfile.TemporaryDirectory() as cache:
        os.symlink(results, Path(cache) / "results")
        bench = mteb.ResultCache(cache).load_results(require_model_meta=True, include_remote=False)
        models = []
        for mr in bench.model_results:
            tasks = {}
            for tr in mr.task_results:
                entry = {"main_score": tr.get_score()}
                try:
                    entry["nan_filled"] = nan_filled(tr.validate_and_filter_scores())
                    entry["validated"] = True
                except Exception as e:  # noqa: BLE001
                    entry["validated"] = False
                    entry["error"] = f"{type(e).__name__}: {e}"
                tasks[tr.task_name] = entry
            models.append({"name": mr.model_name, "revision": mr.model_revision, "tasks": tasks})
        out["result_cache"] = sorted(models, key=lambda m: (m["name"], m["revision"]))

        metas = {}
        for meta in sorted(results.glob("*/*/model_meta.json")):
            key = str(meta.relative_to(results))
            try:
                m = ModelMeta.model_validate_json_resolved(meta.read_text())
                metas[key] = {"valid": True, "name": m.name, "revision": m.revision}
            except Exception as e:  # noqa: BLE001
                metas[key] = {"valid": False, "error": f"{type(e).__name__}: {e}"}
        out["model_meta"] = metas

        os.environ["MTEB_CACHE"] = cache
        legacy = mteb.load_results(download_latest=False, require_model_meta=True, validate_and_filter=True)
        out["load_results"] = sorted(
            ({"name": mr.model_name, "revision": mr.model_revision, "tasks": sorted(t.task_name for t in mr.task_results)} for mr in legacy.model_results),
            key=lambda m: (m["name"], m["revision"]),
        )
    json.dump(out, sys.stdout, indent=1, default=str)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
