#!/usr/bin/env python3
"""Score a TREC run against TREC qrels: an independent scorer for checking `gecko score`.

Written from trec_eval's definitions (as pytrec_eval exposes them, which is what MTEB calls),
sharing no code with the workbench, with only the standard library (Debian packages neither
pytrec_eval nor ranx):
  - a query's documents are ranked by score descending; ties are broken by docno DESCENDING,
    as trec_eval does (the workbench breaks them ascending, so the two can differ on ties only,
    which --ties ascending reproduces);
  - relevant = grade > 0 (relevance_level 1);
  - ndcg_cut.k: gain = grade, discount log2(rank + 1), ideal = all judged grades > 0 sorted;
  - map_cut.k: sum of precision at each relevant rank <= k, divided by all relevant of the query;
  - recall.k: relevant in the top k / all relevant; P.k: relevant in the top k / k;
  - MRR@k: MTEB's own, 1 / rank of the first relevant document within k;
  - only queries with at least one relevant document are averaged (MTEB/BEIR), and a judged
    query absent from the run scores 0.
Output: one JSON object with MTEB's key names (ndcg_at_10, map_at_100, recall_at_1000, ...).
Usage: python3 scripts/trec_score.py QRELS RUN [--ties descending|ascending]
"""

import argparse
import json
import math
import sys
from collections import defaultdict

K_VALUES = (1, 3, 5, 10, 20, 100, 1000)


def read_qrels(path):
    qrels = defaultdict(dict)
    with open(path, encoding="utf-8") as fh:
        for n, line in enumerate(fh, 1):
            parts = line.split()
            if not parts:
                continue
            if len(parts) != 4:
                sys.exit(f"{path}:{n}: expected 'qid iter docid grade', got {len(parts)} fields")
            qrels[parts[0]][parts[2]] = int(parts[3])
    return qrels


def read_run(path):
    run = defaultdict(dict)
    with open(path, encoding="utf-8") as fh:
        for n, line in enumerate(fh, 1):
            parts = line.split()
            if not parts:
                continue
            if len(parts) != 6:
                sys.exit(f"{path}:{n}: expected 'qid Q0 docid rank score tag', got {len(parts)} fields")
            run[parts[0]][parts[2]] = float(parts[4])
    return run


def ranked(docs, ties):
    # two stable sorts: first by docno (the tie-break), then by score descending
    order = sorted(docs.items(), key=lambda kv: kv[0], reverse=(ties == "descending"))
    order.sort(key=lambda kv: kv[1], reverse=True)
    return [d for d, _ in order]


def query_metrics(ranking, rels):
    relevant = {d for d, g in rels.items() if g > 0}
    ideal = sorted((g for g in rels.values() if g > 0), reverse=True)
    out = {}
    for k in K_VALUES:
        top = ranking[:k]
        hits = [1 if d in relevant else 0 for d in top]
        dcg = sum(rels.get(d, 0) / math.log2(i + 2) for i, d in enumerate(top) if rels.get(d, 0) > 0)
        idcg = sum(g / math.log2(i + 2) for i, g in enumerate(ideal[:k]))
        out[f"ndcg_at_{k}"] = dcg / idcg if idcg > 0 else 0.0
        precisions = [sum(hits[: i + 1]) / (i + 1) for i, h in enumerate(hits) if h]
        out[f"map_at_{k}"] = sum(precisions) / len(relevant)
        out[f"recall_at_{k}"] = sum(hits) / len(relevant)
        out[f"precision_at_{k}"] = sum(hits) / k
        first = next((i for i, h in enumerate(hits) if h), None)
        out[f"mrr_at_{k}"] = 0.0 if first is None else 1.0 / (first + 1)
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("qrels")
    ap.add_argument("run")
    ap.add_argument("--ties", choices=("descending", "ascending"), default="descending",
                    help="docno order among equal scores (trec_eval: descending)")
    args = ap.parse_args()
    qrels, run = read_qrels(args.qrels), read_run(args.run)
    judged = sorted(q for q, rels in qrels.items() if any(g > 0 for g in rels.values()))
    totals = defaultdict(float)
    for q in judged:
        for key, value in query_metrics(ranked(run.get(q, {}), args.ties), qrels[q]).items():
            totals[key] += value
    result = {key: value / len(judged) for key, value in totals.items()} if judged else {}
    result["evaluated_queries"] = len(judged)
    print(json.dumps(result, sort_keys=True))


if __name__ == "__main__":
    main()
