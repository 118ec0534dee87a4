// Every ONNX graph the project builds keeps off the ops onnxruntime's WebGPU execution provider
// lacks (issue 22: they would run on the CPU there, copying tensors across at each one). The
// graphs: the training forward (every option set), backward (every option set) and MLM step of
// each architecture, the exported encoder, the search graphs and the float64 Gemm graphs, decoded
// from their bytes (opTypes). The architectures between them use every op kind of the model
// definition (checked), and every lib/ file that serialises a graph is one this test knows.
// Run: npx vitest run test/backend/webgpu-ops.test.ts
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { gemm64Graph } from '../../lib/backend/onnx-gemm64';
import { opTypes } from '../../lib/core/onnx-proto';
import { projectRoot } from '../../lib/core/paths';
import { defineEncoder } from '../../lib/encoder/arch';
import type { EncoderConfig } from '../../lib/encoder/config';
import { exportEncoderOnnx } from '../../lib/encoder/onnx-export';
import { backwardGraph, forwardGraph, mlmGraph, stepGraph } from '../../lib/encoder/onnx-train';
import { OPS } from '../../lib/encoder/ops/index';
import { initParams } from '../../lib/encoder/params';
import { topkGraph, unitGraph } from '../../lib/retrieval/onnx-topk';
import { adamwGraph } from '../../lib/train/adamw-onnx';

/** Ops with no kernel in onnxruntime's WebGPU provider (onnxruntime-node 1.31), as issue 22 lists them. */
const MISSING_ON_WEBGPU = ['OneHot', 'TopK', 'LpNormalization', 'LogSoftmax', 'ConstantOfShape', 'Max'];

/**
 * The exceptions, each with its reason: graph name -> ops it may keep.
 * TopK is what exact retrieval is (the k best of each query's scores): the search graphs keep it.
 */
const ALLOWED: Record<string, string[]> = {
  'search: dot product top-k': ['TopK'],
  'search: cosine top-k': ['TopK'],
};

const base: EncoderConfig = {
  vocabSize: 30,
  layers: 2,
  dModel: 8,
  heads: 2,
  ffn: 12,
  maxLen: 6,
  dropout: 0.1,
  lnEps: 1e-5,
};
/** Today's pre-LN encoder, USE-lite's form, and the BERT / XLM-R forms (arch.ts). */
const ARCHS: [string, EncoderConfig][] = [
  ['pre-LN encoder', base],
  ['pre-LN encoder with an embedding LayerNorm', { ...base, embLayerNorm: true }],
  [
    'USE-lite',
    {
      ...base,
      embDim: 6,
      positions: 'sinusoidal',
      activation: 'relu',
      finalLayerNorm: false,
      poolHead: 'tanh',
      lnEps: 1e-6,
    },
  ],
  ['BERT', { ...base, norm: 'post', embLayerNorm: true, pooling: 'cls', tokenTypeRow: true, lnEps: 1e-12 }],
  ['XLM-R', { ...base, norm: 'post', embLayerNorm: true, pooling: 'cls', tokenTypeRow: true, positionOffset: 2 }],
];

/** Whether the architecture has the tied MLM head (arch.mlm throws where it cannot be made). */
function hasMlm(cfg: EncoderConfig): boolean {
  try {
    return defineEncoder(cfg).mlm.kind === 'mlmHead';
  } catch {
    return false;
  }
}

/** Every graph, by name. */
function allGraphs(): [string, Uint8Array][] {
  const graphs: [string, Uint8Array][] = [];
  for (const [arch, cfg] of ARCHS) {
    for (const dropout of [false, true]) {
      for (const save of [false, true])
        for (const hidden of [false, true])
          graphs.push([
            `${arch}: forward ${JSON.stringify({ dropout, save, hidden })}`,
            forwardGraph(cfg, { dropout, save, hidden }),
          ]);
      for (const [demb, dhidden] of [[true, false] as const, [false, true], [true, true]])
        graphs.push([
          `${arch}: backward ${JSON.stringify({ dropout, demb, dhidden })}`,
          backwardGraph(cfg, { dropout, demb, dhidden }),
        ]);
      if (hasMlm(cfg)) graphs.push([`${arch}: mlm ${JSON.stringify({ dropout })}`, mlmGraph(cfg, { dropout })]);
      for (const subs of [1, 2]) {
        const loss = { dims: [cfg.dModel, cfg.dModel / 2], weights: [1, 1], temperature: 0.05 };
        graphs.push([
          `${arch}: one-run step ${JSON.stringify({ dropout, subs })}`,
          stepGraph(cfg, { dropout, subs, loss }),
        ]);
      }
    }
    graphs.push([`${arch}: export`, exportEncoderOnnx(cfg, initParams(cfg, 1))]);
  }
  graphs.push(['search: dot product top-k', topkGraph(false)], ['search: cosine top-k', topkGraph(true)]);
  graphs.push(['search: unit rows', unitGraph()]);
  graphs.push(['float64 Gemm A B^T + c', gemm64Graph(0, 1, true)], ['float64 Gemm A^T B', gemm64Graph(1, 0, false)]);
  graphs.push(['AdamW update', adamwGraph(1000)]);
  return graphs;
}

/** lib/ files (relative paths) whose text contains `needle`. */
function libFilesWith(needle: string): string[] {
  const lib = join(projectRoot(), 'lib');
  const out: string[] = [];
  const walk = (dir: string) => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      const p = join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else if (/\.(ts|mjs)$/.test(e.name) && readFileSync(p, 'utf8').includes(needle)) out.push(relative(lib, p));
    }
  };
  walk(lib);
  return out.sort();
}

describe('ONNX graphs and the WebGPU provider', () => {
  it('the architectures here use every op kind of the model definition', () => {
    const kinds = new Set(ARCHS.flatMap(([, cfg]) => defineEncoder(cfg).ops.map((o) => o.kind)));
    expect([...kinds].sort()).toEqual(Object.keys(OPS).sort());
    expect(ARCHS.filter(([, cfg]) => hasMlm(cfg)).length).toBe(ARCHS.length - 1); // all but USE-lite
  });

  it('every lib/ file that serialises a graph is one this test builds graphs from', () => {
    // encodeModel's callers, and Graph.bytes' (onnx-graph.ts) callers: the training and export graphs
    expect(libFilesWith('encodeModel(')).toEqual([
      'backend/onnx-gemm64.ts',
      'core/onnx-proto.ts',
      'encoder/onnx-graph.ts',
      'retrieval/onnx-topk.ts',
      'train/adamw-onnx.ts',
    ]);
    expect(libFilesWith('.bytes(').filter((f) => f.startsWith('encoder/'))).toEqual([
      'encoder/onnx-export.ts',
      'encoder/onnx-train.ts',
    ]);
  });

  it('no graph uses an op the provider lacks, outside the allow-list', () => {
    const graphs = allGraphs();
    expect(graphs.length).toBeGreaterThan(80);
    const offenders: string[] = [];
    const used = new Set<string>();
    for (const [name, bytes] of graphs) {
      const ops = opTypes(bytes);
      expect(ops.length, name).toBeGreaterThan(0);
      ops.forEach((o) => used.add(o));
      const bad = [...new Set(ops.filter((o) => MISSING_ON_WEBGPU.includes(o) && !ALLOWED[name]?.includes(o)))];
      if (bad.length) offenders.push(`${name}: ${bad.join(', ')}`);
    }
    expect(offenders).toEqual([]);
    // the decoder reads real op types (not an empty or garbled list): ops every encoder graph has
    for (const o of ['Gemm', 'MatMul', 'Softmax', 'TopK', 'ReduceL2']) expect(used, o).toContain(o);
  });

  it('the allow-list names graphs that exist and ops they use', () => {
    const byName = new Map(allGraphs());
    for (const [name, ops] of Object.entries(ALLOWED)) {
      expect(byName.has(name), name).toBe(true);
      for (const o of ops) expect(opTypes(byName.get(name)!), `${name} uses ${o}`).toContain(o);
    }
  });
});
