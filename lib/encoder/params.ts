// Encoder parameters as one flat Float32Array with named views. The optimizer, the
// checkpoints and the worker threads all work on this flat array; tensors are made
// from it only inside a replica (see model.ts). The list itself comes from the model's
// definition (arch.ts).
import { Rng } from '../core/rng';
import { archOf } from './arch';
import type { EncoderConfig } from './config';

export interface ParamSpec {
  name: string;
  shape: number[];
  /** Offset of the first element in the flat array. */
  offset: number;
  size: number;
  /** How it is initialised: N(0, 0.02), zeros or ones. */
  init: 'normal' | 'zeros' | 'ones';
}

/** The parameter list of an encoder, in a fixed order: derived from its definition (arch.ts). */
export function paramSpecs(cfg: EncoderConfig): ParamSpec[] {
  let offset = 0;
  return archOf(cfg).params.map(({ name, shape, init }) => {
    const size = shape.reduce((a, b) => a * b, 1);
    const spec = { name, shape, offset, size, init };
    offset += size;
    return spec;
  });
}

/** Total number of scalars. */
export function paramCount(specs: readonly ParamSpec[]): number {
  const last = specs[specs.length - 1]!;
  return last.offset + last.size;
}

/**
 * Fresh seeded parameters: weights ~ N(0, 0.02), biases 0, LayerNorm gains 1.
 * Each parameter draws from its own stream, so adding one never changes the others.
 * @example const flat = initParams(cfg, 42);
 */
export function initParams(cfg: EncoderConfig, seed: number): Float32Array {
  const specs = paramSpecs(cfg);
  const flat = new Float32Array(paramCount(specs));
  const root = new Rng(seed);
  for (const s of specs) {
    const view = flat.subarray(s.offset, s.offset + s.size);
    if (s.init === 'ones') view.fill(1);
    else if (s.init === 'normal') {
      const rng = root.child('param', s.name);
      for (let i = 0; i < view.length; i++) view[i] = 0.02 * rng.normal();
    }
  }
  return flat;
}

/** A named view into a flat array (no copy). */
export function view(flat: Float32Array, spec: ParamSpec): Float32Array {
  return flat.subarray(spec.offset, spec.offset + spec.size);
}
