#!/usr/bin/env python3
"""sentence-transformers' own trainer on the demo's fine-tuning shape: the peer `npm run bench:small`
times our fine-tuning stage against.

Loads an exported checkpoint folder (`gecko export`), trains it on `gecko export-data` rows
(anchor, positive, negative) with MultipleNegativesRankingLoss (in-batch + the row's hard
negative) wrapped in MatryoshkaLoss, AdamW, for --steps steps at --batch, on --threads threads.
Prints one JSON line: the trainer's wall time, the per-step times (a callback's clock around each
optimizer step), versions and the thread count.

Usage: python st_finetune.py --model DIR --data train.jsonl [--steps 120] [--batch 16]
       [--dims 128,64,32,16] [--threads 2] [--lr 2e-5]
"""

import argparse
import json
import statistics
import tempfile
import time

import torch


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--model", required=True)
    p.add_argument("--data", required=True)
    p.add_argument("--steps", type=int, default=120)
    p.add_argument("--batch", type=int, default=16)
    p.add_argument("--dims", default="128,64,32,16")
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--lr", type=float, default=2e-5)
    a = p.parse_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(0)

    import warnings

    warnings.filterwarnings("ignore", category=DeprecationWarning)
    import sentence_transformers as st
    from datasets import Dataset
    from sentence_transformers import SentenceTransformer, SentenceTransformerTrainer
    from sentence_transformers.losses import MatryoshkaLoss, MultipleNegativesRankingLoss
    from sentence_transformers.training_args import SentenceTransformerTrainingArguments
    from transformers import TrainerCallback

    rows = [json.loads(l) for l in open(a.data, encoding="utf8") if l.strip()]
    rows = [{"anchor": r["anchor"], "positive": r["positive"], "negative": r["negative"]} for r in rows]
    need = a.steps * a.batch
    while len(rows) < need:  # cycle, as our trainer does
        rows = rows + rows
    ds = Dataset.from_list(rows[:need])
    model = SentenceTransformer(a.model, device="cpu")
    dims = [int(d) for d in a.dims.split(",")]
    loss = MatryoshkaLoss(model, MultipleNegativesRankingLoss(model), matryoshka_dims=dims)

    class Clock(TrainerCallback):
        def __init__(self) -> None:
            self.times: list[float] = []
            self.t0 = 0.0

        def on_step_begin(self, args, state, control, **kw):
            self.t0 = time.perf_counter()

        def on_step_end(self, args, state, control, **kw):
            self.times.append(time.perf_counter() - self.t0)

    clock = Clock()
    with tempfile.TemporaryDirectory() as out:
        args = SentenceTransformerTrainingArguments(
            output_dir=out,
            max_steps=a.steps,
            per_device_train_batch_size=a.batch,
            learning_rate=a.lr,
            warmup_steps=0,
            logging_steps=10_000,
            save_strategy="no",
            report_to=[],
            seed=0,
            dataloader_num_workers=0,
            use_cpu=True,
            disable_tqdm=True,
        )
        trainer = SentenceTransformerTrainer(model=model, args=args, train_dataset=ds, loss=loss, callbacks=[clock])
        t0 = time.perf_counter()
        trainer.train()
        wall = time.perf_counter() - t0
    print(
        json.dumps(
            {
                "framework": "sentence-transformers",
                "version": st.__version__,
                "torch": torch.__version__,
                "threads": torch.get_num_threads(),
                "steps": len(clock.times),
                "train_s": wall,
                "steps_s": sum(clock.times),
                "step_ms_median": 1000 * statistics.median(clock.times),
            }
        )
    )


if __name__ == "__main__":
    main()
