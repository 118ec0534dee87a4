import { describe, expect, it } from 'vitest';
import { parseOverrides, resolveConfig } from '../../lib/config/resolve';
import { ConfigError } from '../../lib/core/errors';
import { PRESETS } from '../../lib/config/presets';

describe('resolveConfig', () => {
  it('resolves every preset', () => {
    for (const name of Object.keys(PRESETS) as (keyof typeof PRESETS)[]) {
      const r = resolveConfig(name);
      expect(r.config.name).toBe(name);
      expect(r.hash).toMatch(/^[0-9a-f]{64}$/);
    }
  });
  it('rejects an unknown key and names it', () => {
    expect(() => resolveConfig('smoke', { finetune: { stpes: 5 } })).toThrowError(/finetune\.stpes.*unknown key/);
    expect(() => resolveConfig('smoke', { bogus: 1 })).toThrow(ConfigError);
  });
  it('rejects a wrong type and names the key', () => {
    expect(() => resolveConfig('smoke', { finetune: { steps: 'ten' } })).toThrowError(
      /finetune\.steps.*expected an integer/,
    );
    expect(() => resolveConfig('smoke', { fret: { negativeStrategy: 'worst' } })).toThrowError(
      /fret\.negativeStrategy.*one of lowest, random/,
    );
    expect(() => resolveConfig('smoke', { eval: { dims: [16, 'x'] } })).toThrowError(/eval\.dims\[1\]/);
  });
  it('applies overrides and changes the hash', () => {
    const a = resolveConfig('smoke');
    const b = resolveConfig('smoke', { finetune: { steps: 99 } });
    expect(b.config.finetune.steps).toBe(99);
    expect(b.config.finetune.lr).toBe(a.config.finetune.lr);
    expect(b.hash).not.toBe(a.hash);
    expect(resolveConfig('smoke').hash).toBe(a.hash);
  });
  it('freezes the result', () => {
    const r = resolveConfig('smoke');
    expect(() => {
      (r.config.finetune as { steps: number }).steps = 1;
    }).toThrow();
  });
  it('checks cross-field rules', () => {
    expect(() => resolveConfig('smoke', { finetune: { matryoshkaWeights: [1] } })).toThrowError(/matryoshkaWeights/);
    expect(() => resolveConfig('smoke', { eval: { dims: [4096] } })).toThrowError(/exceeds encoder\.dModel/);
  });
  it('parses CLI overrides', () => {
    expect(parseOverrides(['finetune.steps=50', 'llm.teacher=openai:gpt-4o-mini', 'eval.dims=[8,4]'])).toEqual({
      finetune: { steps: 50 },
      llm: { teacher: 'openai:gpt-4o-mini' },
      eval: { dims: [8, 4] },
    });
  });
});
