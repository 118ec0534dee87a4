#!/usr/bin/env python3
"""Embed texts with a model folder written by `gecko export`, in plain PyTorch.

An independent implementation: it shares no code with the workbench. It reads the folder
the way the Python ecosystem would:
  - model.safetensors, parsed by hand (8-byte little-endian header length, JSON header,
    raw little-endian tensors), so it needs neither the `safetensors` nor the
    `transformers` package;
  - config.json, which must name transformers' XLMRobertaXLModel (model_type
    "xlm-roberta-xl");
  - modules.json and 1_Pooling/config.json (mean pooling, then Normalize).
The model below is XLM-RoBERTa-XL's inference function written from its definition
(transformers' modeling_xlm_roberta_xl.py): word + token-type + RoBERTa position embeddings
(ids from pad_token_id + 1), pre-LN blocks, erf GELU, a final encoder LayerNorm. Its module
names are the state-dict names, and load_state_dict(strict=True) checks that every tensor in
the file has a place in the model and every parameter of the model is in the file.

Input: token ids (--ids FILE, a JSON list of lists of ints), or texts (--texts FILE, a JSON list
of strings) tokenized with the folder's tokenizer.json through the `tokenizers` package when
it is installed (Debian does not package it; the parity test passes ids). Texts are padded
into one batch, so the attention mask path is exercised.

Output: JSON {"vectors": [[...], ...], "dim": D, "torch": version} on stdout or --out.
Usage: python3 scripts/torch_embed.py EXPORT_DIR --ids ids.json [--out vectors.json]
"""

import argparse
import json
import math
import os
import sys

import torch
import torch.nn as nn
import torch.nn.functional as F


def read_safetensors(path):
    """Every tensor of a safetensors file (F32 only), by name."""
    if sys.byteorder != "little":
        raise SystemExit("torch_embed.py: safetensors data are little-endian; this machine is not")
    with open(path, "rb") as fh:
        raw = fh.read()
    n = int.from_bytes(raw[:8], "little")
    header = json.loads(raw[8 : 8 + n].decode("utf-8"))
    base = 8 + n
    out = {}
    for name, entry in header.items():
        if name == "__metadata__":
            continue
        if entry["dtype"] != "F32":
            raise SystemExit(f"{path}: tensor {name} has dtype {entry['dtype']}; this reader knows F32 only")
        begin, end = entry["data_offsets"]
        count = math.prod(entry["shape"])
        if end - begin != 4 * count:
            raise SystemExit(f"{path}: tensor {name}: {end - begin} bytes for shape {entry['shape']}")
        buf = bytearray(raw[base + begin : base + end])
        out[name] = torch.frombuffer(buf, dtype=torch.float32).reshape(entry["shape"]).clone()
    return out


class SelfAttention(nn.Module):
    def __init__(self, d, heads):
        super().__init__()
        self.heads = heads
        self.query = nn.Linear(d, d)
        self.key = nn.Linear(d, d)
        self.value = nn.Linear(d, d)

    def forward(self, x, key_bias):
        b, length, d = x.shape
        dh = d // self.heads

        def split(t):  # [B, L, D] -> [B, H, L, Dh]
            return t.view(b, length, self.heads, dh).transpose(1, 2)

        q, k, v = split(self.query(x)), split(self.key(x)), split(self.value(x))
        scores = q @ k.transpose(-1, -2) / math.sqrt(dh) + key_bias
        ctx = torch.softmax(scores, dim=-1) @ v
        return ctx.transpose(1, 2).reshape(b, length, d)


class Dense(nn.Module):
    def __init__(self, d_in, d_out):
        super().__init__()
        self.dense = nn.Linear(d_in, d_out)


class Attention(nn.Module):
    def __init__(self, d, heads, eps):
        super().__init__()
        self.self_attn_layer_norm = nn.LayerNorm(d, eps=eps)
        self.self = SelfAttention(d, heads)
        self.output = Dense(d, d)

    def forward(self, x, key_bias):
        return x + self.output.dense(self.self(self.self_attn_layer_norm(x), key_bias))


class Layer(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        d, eps = cfg["hidden_size"], cfg["layer_norm_eps"]
        self.attention = Attention(d, cfg["num_attention_heads"], eps)
        self.LayerNorm = nn.LayerNorm(d, eps=eps)
        self.intermediate = Dense(d, cfg["intermediate_size"])
        self.output = Dense(cfg["intermediate_size"], d)

    def forward(self, x, key_bias):
        x = self.attention(x, key_bias)
        h = F.gelu(self.intermediate.dense(self.LayerNorm(x)))  # erf GELU = transformers' "gelu"
        return x + self.output.dense(h)


class Embeddings(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        d = cfg["hidden_size"]
        self.word_embeddings = nn.Embedding(cfg["vocab_size"], d)
        self.position_embeddings = nn.Embedding(cfg["max_position_embeddings"], d)
        self.token_type_embeddings = nn.Embedding(cfg["type_vocab_size"], d)

    def forward(self, ids, pad_id):
        keep = (ids != pad_id).long()
        positions = torch.cumsum(keep, dim=1) * keep + pad_id  # RoBERTa: real tokens from pad_id + 1
        types = torch.zeros_like(ids)
        return self.word_embeddings(ids) + self.token_type_embeddings(types) + self.position_embeddings(positions)


class Encoder(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        self.layer = nn.ModuleList(Layer(cfg) for _ in range(cfg["num_hidden_layers"]))
        self.LayerNorm = nn.LayerNorm(cfg["hidden_size"], eps=cfg["layer_norm_eps"])


class Pooler(nn.Module):
    def __init__(self, d):
        super().__init__()
        self.dense = nn.Linear(d, d)


class XLMRobertaXL(nn.Module):
    """Base model; returns last_hidden_state [B, L, D]."""

    def __init__(self, cfg):
        super().__init__()
        self.pad_id = cfg["pad_token_id"]
        self.embeddings = Embeddings(cfg)
        self.encoder = Encoder(cfg)
        self.pooler = Pooler(cfg["hidden_size"])  # in the file, unused by sentence embeddings

    def forward(self, ids, mask):
        x = self.embeddings(ids, self.pad_id)
        key_bias = (1.0 - mask.to(x.dtype))[:, None, None, :] * torch.finfo(x.dtype).min
        for layer in self.encoder.layer:
            x = layer(x, key_bias)
        return self.encoder.LayerNorm(x)


def load(folder):
    with open(os.path.join(folder, "config.json"), encoding="utf-8") as fh:
        cfg = json.load(fh)
    if cfg.get("model_type") != "xlm-roberta-xl" or cfg.get("hidden_act") != "gelu":
        raise SystemExit(f"{folder}/config.json: expected model_type xlm-roberta-xl with hidden_act gelu")
    if cfg.get("position_embedding_type", "absolute") != "absolute":
        raise SystemExit(f"{folder}/config.json: only absolute positions are implemented here")
    with open(os.path.join(folder, "modules.json"), encoding="utf-8") as fh:
        modules = [m["type"].rsplit(".", 1)[-1] for m in json.load(fh)]
    with open(os.path.join(folder, "1_Pooling", "config.json"), encoding="utf-8") as fh:
        pooling = json.load(fh)
    if modules[:2] != ["Transformer", "Pooling"] or not pooling.get("pooling_mode_mean_tokens"):
        raise SystemExit(f"{folder}: expected Transformer -> Pooling (mean) in modules.json")
    model = XLMRobertaXL(cfg)
    model.load_state_dict(read_safetensors(os.path.join(folder, "model.safetensors")), strict=True)
    model.eval()
    return model, cfg, "Normalize" in modules


def tokenize(folder, texts, max_len):
    try:
        from tokenizers import Tokenizer  # not packaged by Debian; optional
    except ImportError:
        raise SystemExit("torch_embed.py: --texts needs the `tokenizers` package; pass --ids instead")
    tok = Tokenizer.from_file(os.path.join(folder, "tokenizer.json"))
    return [tok.encode(t).ids[:max_len] for t in texts]


def embed(model, cfg, normalize, seqs):
    pad = cfg["pad_token_id"]
    length = max(len(s) for s in seqs)
    ids = torch.full((len(seqs), length), pad, dtype=torch.long)
    mask = torch.zeros((len(seqs), length), dtype=torch.long)
    for i, s in enumerate(seqs):
        ids[i, : len(s)] = torch.tensor(s, dtype=torch.long)
        mask[i, : len(s)] = 1
    with torch.no_grad():
        hidden = model(ids, mask)
        m = mask.unsqueeze(-1).to(hidden.dtype)
        pooled = (hidden * m).sum(dim=1) / m.sum(dim=1).clamp(min=1e-9)  # sentence-transformers mean pooling
        return F.normalize(pooled, p=2, dim=1) if normalize else pooled


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("folder", help="a folder written by gecko export")
    src = ap.add_mutually_exclusive_group(required=True)
    src.add_argument("--ids", help="JSON file: list of token-id lists")
    src.add_argument("--texts", help="JSON file: list of strings (needs the tokenizers package)")
    ap.add_argument("--out", help="write the JSON here instead of stdout")
    args = ap.parse_args()
    torch.manual_seed(0)
    model, cfg, normalize = load(args.folder)
    with open(os.path.join(args.folder, "sentence_bert_config.json"), encoding="utf-8") as fh:
        max_len = json.load(fh)["max_seq_length"]
    with open(args.ids or args.texts, encoding="utf-8") as fh:
        given = json.load(fh)
    seqs = [s[:max_len] for s in given] if args.ids else tokenize(args.folder, given, max_len)
    vecs = embed(model, cfg, normalize, seqs)
    out = json.dumps({"vectors": vecs.tolist(), "dim": vecs.shape[1], "torch": torch.__version__})
    if args.out:
        with open(args.out, "w", encoding="utf-8") as fh:
            fh.write(out + "\n")
    else:
        print(out)


if __name__ == "__main__":
    main()
