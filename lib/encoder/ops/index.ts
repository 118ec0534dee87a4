// Every op of the model definition (arch.ts) by kind, each with all its forms (ops/types.ts).
// The MLM head is a loss rather than a layer: its three forms are in mlm-head.ts.
import type { OpKind } from '../arch';
import { attention } from './attention';
import { dense } from './dense';
import { dropout } from './dropout';
import { embedding } from './embedding';
import { gelu } from './gelu';
import { l2norm } from './l2norm';
import { layerNorm } from './layer-norm';
import { pool } from './pool';
import { relu } from './relu';
import { add } from './residual';
import { tanh } from './tanh';
import type { OpForms } from './types';

export const OPS: Record<Exclude<OpKind, 'mlmHead'>, OpForms> = {
  embedding,
  layerNorm,
  dense,
  attention,
  gelu,
  relu,
  tanh,
  dropout,
  add,
  pool,
  l2norm,
};

/** The forms of an op kind. */
export function formsOf(kind: OpKind): OpForms {
  if (kind === 'mlmHead') throw new Error('the MLM head is a loss: use ops/mlm-head.ts');
  return OPS[kind];
}
