#!/usr/bin/env python3
"""PyTorch's side of the bench's shape lines (`npm run bench -- --shapes use-lite,bert-small`).

Reads a spec written by bench/shapes.ts (writeShapeSpec): the encoder config of the model
definition (lib/encoder/arch.ts), our initial weights, the token ids of every training step and
every passage, and a few texts with the embeddings our engine gives them. Builds the same model in
torch, loads our weights, checks that it embeds the check texts as ours does (max |diff| <= 1e-4;
exit 3 before any timing otherwise), then times what torch_ref.py times on these inputs:

  train   per step: the step's queries and positives through the encoder as one padded batch,
          softmax cross-entropy over in-batch cosines / tau (query -> positive), AdamW (lr from
          the spec, torch's defaults: betas 0.9/0.999, eps 1e-8, weight decay 0.01 on every
          parameter); median s/step over the steps after the warm-up ones.
  encode  the passages in order, in batches of enc_batch padded to the batch's longest, no grad,
          after one untimed warm-up batch.

The model: transformers' BertModel (add_pooling_layer=False, its default attention) built from the
spec's hf_config, when the definition is a BERT and this Python has transformers (--impl auto);
otherwise Mirror below, a plain torch module of the definition's ops and options: token rows +
learned or sinusoidal positions (+ a token-type row) (+ an embedding LayerNorm); per block, pre-LN
x + Attn(LN(x)) or post-LN LN(x + Attn(x)), fused q|k|v, a dense residual projection where the
width changes (USE-lite's first block), FFN with erf GELU or ReLU; a final LayerNorm (pre-LN unless
turned off); mean or first-token pooling; tanh(x W + b) (USE-lite); L2. Padding: id 0, key bias
-1e9 as torch_ref.py.

Prints one JSON line. Usage: torch_shapes.py SPEC.json [--threads 2] [--impl auto|mirror|transformers] [--check-only]
"""

import argparse
import json
import math
import platform
import statistics
import sys
import time

import torch
import torch.nn as nn
import torch.nn.functional as F

MASK_NEG = -1e9
CHECK_TOL = 1e-4


def sinusoidal(rows: int, width: int) -> torch.Tensor:
    """ops/embedding.ts sinusoidalTable: [sin(p inv_i), cos(p inv_i)], inv_i = 1e4^(-i / (half - 1))."""
    half = width // 2
    log_inc = math.log(1e4) / max(half - 1, 1)
    inv = torch.exp(torch.arange(half, dtype=torch.float64) * -log_inc)
    t = torch.arange(rows, dtype=torch.float64)[:, None] * inv[None, :]
    return torch.cat([torch.sin(t), torch.cos(t)], dim=1).to(torch.float32)


class Block(nn.Module):
    def __init__(self, width: int, d: int, cfg: dict) -> None:
        super().__init__()
        self.post = cfg.get("norm") == "post"
        self.heads = cfg["heads"]
        self.width = width
        self.ln1 = nn.LayerNorm(d if self.post else width, eps=cfg["lnEps"])
        self.qkv = nn.Linear(width, 3 * width)
        self.wo = nn.Linear(width, d)
        self.res = nn.Linear(width, d) if width != d else None
        self.ln2 = nn.LayerNorm(d, eps=cfg["lnEps"])
        self.w1 = nn.Linear(d, cfg["ffn"])
        self.w2 = nn.Linear(cfg["ffn"], d)
        self.act = F.relu if cfg.get("activation") == "relu" else F.gelu

    def forward(self, x: torch.Tensor, key_bias: torch.Tensor) -> torch.Tensor:
        b, length, w = x.shape
        dh = w // self.heads
        h = x if self.post else self.ln1(x)
        q, k, v = self.qkv(h).view(b, length, 3, self.heads, dh).permute(2, 0, 3, 1, 4)
        scores = torch.matmul(q, k.transpose(-1, -2)) * (1.0 / math.sqrt(dh))
        ctx = torch.matmul(torch.softmax(scores + key_bias, dim=-1), v).transpose(1, 2).reshape(b, length, w)
        x = (x if self.res is None else self.res(x)) + self.wo(ctx)
        if self.post:
            x = self.ln1(x)
        h = x if self.post else self.ln2(x)
        x = x + self.w2(self.act(self.w1(h)))
        if self.post:
            x = self.ln2(x)
        return x


class Mirror(nn.Module):
    """The model definition (lib/encoder/arch.ts) for the options of encoder/config.ts."""

    def __init__(self, cfg: dict) -> None:
        super().__init__()
        d = cfg["dModel"]
        e = cfg.get("embDim") or d
        self.cfg = cfg
        self.offset = cfg.get("positionOffset") or 0
        self.tok_emb = nn.Embedding(cfg["vocabSize"], e)
        rows = cfg["maxLen"] + self.offset
        if cfg.get("positions") == "sinusoidal":
            self.pos_emb = None
            self.register_buffer("timing", sinusoidal(rows, e))
        else:
            self.pos_emb = nn.Embedding(rows, e)
        self.type_emb = nn.Parameter(torch.zeros(1, e)) if cfg.get("tokenTypeRow") else None
        self.emb_ln = nn.LayerNorm(e, eps=cfg["lnEps"]) if cfg.get("embLayerNorm") else None
        self.blocks = nn.ModuleList(Block(e if i == 0 else d, d, cfg) for i in range(cfg["layers"]))
        post = cfg.get("norm") == "post"
        self.lnf = None if post or cfg.get("finalLayerNorm") is False else nn.LayerNorm(d, eps=cfg["lnEps"])
        self.head = nn.Linear(d, d) if cfg.get("poolHead") == "tanh" else None

    def forward(self, ids: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        length = ids.shape[1]
        pos = self.pos_emb.weight if self.pos_emb is not None else self.timing
        x = self.tok_emb(ids) + pos[self.offset:self.offset + length]
        if self.type_emb is not None:
            x = x + self.type_emb
        if self.emb_ln is not None:
            x = self.emb_ln(x)
        key_bias = (1.0 - mask.to(x.dtype))[:, None, None, :] * MASK_NEG
        for block in self.blocks:
            x = block(x, key_bias)
        if self.lnf is not None:
            x = self.lnf(x)
        pooled = pool(x, mask, self.cfg.get("pooling"))
        if self.head is not None:
            pooled = torch.tanh(self.head(pooled))
        return F.normalize(pooled, dim=-1)

    def load_ours(self, tensors: dict) -> None:
        """Our parameters (params.ts names, dense weights [in, out]) into this module."""
        names = {"tok_emb": "tok_emb.weight", "pos_emb": "pos_emb.weight", "type_emb": "type_emb",
                 "emb_ln.g": "emb_ln.weight", "emb_ln.b": "emb_ln.bias", "lnf.g": "lnf.weight",
                 "lnf.b": "lnf.bias", "tanh.w": "head.weight", "tanh.b": "head.bias"}
        for i in range(self.cfg["layers"]):
            for ours, mod in (("ln1", "ln1"), ("ln2", "ln2")):
                names[f"l{i}.{ours}.g"] = f"blocks.{i}.{mod}.weight"
                names[f"l{i}.{ours}.b"] = f"blocks.{i}.{mod}.bias"
            for w, b, mod in (("wqkv", "bqkv", "qkv"), ("wo", "bo", "wo"), ("wres", "bres", "res"),
                              ("w1", "b1", "w1"), ("w2", "b2", "w2")):
                names[f"l{i}.{w}"] = f"blocks.{i}.{mod}.weight"
                names[f"l{i}.{b}"] = f"blocks.{i}.{mod}.bias"
        state = {}
        for name, t in tensors.items():
            if name == "mlm.bias":
                continue  # the MLM head: pretraining only
            if name not in names:
                raise SystemExit(f"torch_shapes.py: no place in the mirror for our parameter {name}")
            dense = name == "tanh.w" or name.split(".")[-1] in ("wqkv", "wo", "wres", "w1", "w2")
            state[names[name]] = t.t() if dense else t  # ours [in, out], nn.Linear's [out, in]
        own = dict(self.named_parameters())
        missing = sorted(set(own) - set(state))
        if missing:
            raise SystemExit(f"torch_shapes.py: the mirror's {missing} got no weight from the spec")
        self.load_state_dict(state, strict=False)


def pool(x: torch.Tensor, mask: torch.Tensor, mode) -> torch.Tensor:
    if mode == "cls":
        return x[:, 0]
    w = mask.unsqueeze(-1).to(x.dtype)
    return (x * w).sum(dim=1) / w.sum(dim=1).clamp_min(1.0)


class HfEncoder(nn.Module):
    """transformers' BertModel (no pooler) + the definition's pooling + L2."""

    def __init__(self, hf_config: dict, pooling) -> None:
        super().__init__()
        from transformers import BertConfig, BertModel

        keep = {k: v for k, v in hf_config.items() if k not in ("architectures", "model_type", "torch_dtype")}
        self.bert = BertModel(BertConfig(**keep), add_pooling_layer=False)
        self.pooling = pooling

    def forward(self, ids: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        hidden = self.bert(input_ids=ids, attention_mask=mask).last_hidden_state
        return F.normalize(pool(hidden, mask, self.pooling), dim=-1)

    def load_hf(self, tensors: dict) -> None:
        own = dict(self.bert.named_parameters())
        missing = sorted(set(own) - set(tensors))
        extra = sorted(set(tensors) - set(own))
        if missing or extra:
            raise SystemExit(f"torch_shapes.py: BertModel's parameters differ from the spec's: missing {missing}, extra {extra}")
        self.bert.load_state_dict(tensors, strict=False)


def read_tensors(entry: dict) -> dict:
    with open(entry["file"], "rb") as fh:
        flat = torch.frombuffer(bytearray(fh.read()), dtype=torch.float32)
    out = {}
    for t in entry["tensors"]:
        n = math.prod(t["shape"])
        out[t["name"]] = flat.narrow(0, t["offset"], n).view(t["shape"]).clone()
    return out


def padded(seqs: list) -> tuple:
    length = max(len(s) for s in seqs)
    ids = torch.zeros(len(seqs), length, dtype=torch.long)
    mask = torch.zeros(len(seqs), length, dtype=torch.long)
    for i, s in enumerate(seqs):
        ids[i, :len(s)] = torch.tensor(s, dtype=torch.long)
        mask[i, :len(s)] = 1
    return ids, mask


def build(spec: dict, impl: str):
    hf = spec["hf_config"]
    if impl == "auto":
        impl = "mirror"
        if hf is not None:
            try:
                import transformers  # noqa: F401

                impl = "transformers"
            except ImportError:
                pass
    if impl == "transformers":
        if hf is None:
            raise SystemExit(f"torch_shapes.py: {spec['shape']} is not a BERT definition: --impl transformers does not apply")
        import transformers

        model = HfEncoder(hf, spec["cfg"].get("pooling"))
        model.load_hf(read_tensors(spec["hf_params"]))
        attn = getattr(model.bert.config, "_attn_implementation", None) or "eager"
        return model, f"transformers {transformers.__version__} BertModel ({attn} attention), no pooler; mean/CLS pool + L2 here"
    model = Mirror(spec["cfg"])
    model.load_ours(read_tensors(spec["params"]))
    return model, "bench/torch_shapes.py Mirror: the definition's ops as torch modules"


def check(model: nn.Module, spec: dict) -> float:
    model.eval()
    with torch.no_grad():
        emb = model(*padded(spec["check"]["ids"]))
    ref = torch.tensor(spec["check"]["embeddings"], dtype=torch.float32)
    return float((emb - ref).abs().max())


def bench_train(model: nn.Module, spec: dict) -> dict:
    pairs, warmup = spec["pairs"], spec["warmup"]
    opt = torch.optim.AdamW(model.parameters(), lr=spec["lr"])
    labels = torch.arange(pairs)
    batches = [padded(step) for step in spec["train"]]
    model.train()
    times, losses, loss0 = [], [], None
    for i, (ids, mask) in enumerate(batches):
        t0 = time.perf_counter()
        emb = model(ids, mask)
        logits = emb[:pairs] @ emb[pairs:].T / spec["tau"]
        loss = F.cross_entropy(logits, labels)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        value = loss.item()
        elapsed = time.perf_counter() - t0
        if i == 0:
            loss0 = value
        if i >= warmup:
            times.append(elapsed)
            losses.append(value)
    step_s = statistics.median(times)
    return {"train_step_s_median": step_s, "train_pairs_per_s": pairs / step_s, "train_step_s_min": min(times),
            "train_step_s_max": max(times), "train_loss_step0": loss0, "train_loss_first_timed": losses[0],
            "train_loss_last": losses[-1]}


def bench_encode(model: nn.Module, spec: dict) -> dict:
    data, bs = spec["encode"], spec["enc_batch"]
    batches = [padded(data[s:s + bs]) for s in range(0, len(data), bs)]
    model.eval()
    with torch.no_grad():
        model(*batches[0])  # untimed warm-up batch
        t0 = time.perf_counter()
        emb = torch.cat([model(ids, mask) for ids, mask in batches])
        elapsed = time.perf_counter() - t0
    assert emb.shape[0] == len(data)
    return {"encode_passages": len(data), "encode_s": elapsed, "encode_passages_per_s": len(data) / elapsed}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("spec")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--impl", choices=["auto", "mirror", "transformers"], default="auto")
    parser.add_argument("--check-only", action="store_true", help="load and check the weights, no timing")
    args = parser.parse_args()
    with open(args.spec, encoding="utf-8") as fh:
        spec = json.load(fh)
    torch.manual_seed(0)
    torch.set_num_threads(args.threads)
    model, impl = build(spec, args.impl)
    result = {"framework": "torch", "version": torch.__version__, "runtime": f"python {platform.python_version()}",
              "num_threads": torch.get_num_threads(), "shape": spec["shape"], "impl": impl,
              "params": sum(p.numel() for p in model.parameters())}
    diff = check(model, spec)
    result["check_max_abs_diff"] = diff
    if not diff <= CHECK_TOL:
        print(json.dumps(result))
        print(f"torch_shapes.py: torch's {spec['shape']} ({impl}) does not embed the check texts as ours does: "
              f"max |diff| {diff:.3g} > {CHECK_TOL}", file=sys.stderr)
        sys.exit(3)
    if not args.check_only:
        result.update(bench_train(model, spec))
        result.update(bench_encode(model, spec))
    print(json.dumps(result))


if __name__ == "__main__":
    main()
