// Config errors a user meets first: an unknown preset, a malformed --set, and GECKO_PRESET
// naming no preset; each names what is wrong and how to fix it.
import { describe, expect, it } from 'vitest';
import { parseOverrides, presetFromEnv, resolveConfig } from '../../lib/config/resolve';
import type { PresetName } from '../../lib/config/presets';

describe('config errors', () => {
  it('an unknown preset names the presets there are', () => {
    expect(() => resolveConfig('huge' as PresetName)).toThrow(/unknown preset 'huge'[\s\S]*smoke, demo, full, scratch/);
  });
  it('GECKO_PRESET naming no preset is refused the same way', () => {
    const prev = process.env.GECKO_PRESET;
    process.env.GECKO_PRESET = 'tiny';
    try {
      expect(() => presetFromEnv()).toThrow(/GECKO_PRESET[\s\S]*unknown preset 'tiny'/);
    } finally {
      if (prev === undefined) delete process.env.GECKO_PRESET;
      else process.env.GECKO_PRESET = prev;
    }
  });
  it('a --set without key=value is refused, naming the item', () => {
    expect(() => parseOverrides(['finetune.steps'])).toThrow(/finetune\.steps[\s\S]*expected key\.path=value/);
    expect(() => parseOverrides(['=3'])).toThrow(/expected key\.path=value/);
  });
  it('a --set of an unknown key or a wrong type fails at resolve time, naming the key', () => {
    expect(() => resolveConfig('smoke', parseOverrides(['finetune.stepz=5']))).toThrow(/finetune\.stepz/);
    expect(() => resolveConfig('smoke', parseOverrides(['finetune.steps=many']))).toThrow(/finetune\.steps/);
  });
});
