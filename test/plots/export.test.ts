import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { findChromium, savePlots } from '../../lib/plots/export';
import { lossCurve } from '../../lib/plots/training';
import { rankAgreement } from '../../lib/plots/ranking';
import { have, tmpDir } from '../helpers';
import { FRET } from './fixtures';

function chromiumPath(): string {
  try {
    return findChromium();
  } catch {
    return '(chromium on PATH)';
  }
}

describe('savePlots', () => {
  it.skipIf(!have(chromiumPath(), 'Chromium (Debian: apt-get install -y chromium)'))(
    'writes a valid PNG and SVG per figure with one browser',
    async () => {
      const dir = tmpDir('gecko-plots-');
      const written = await savePlots(
        {
          'loss-curve': lossCurve(
            [
              { step: 1, loss: 3 },
              { step: 2, loss: 2 },
              { step: 3, loss: 1.2 },
            ],
            { title: 'Loss falls from 3 to 1.2' },
          ),
          'rank-agreement': rankAgreement(FRET),
        },
        dir,
      );
      expect(written.map((p) => p.slice(dir.length + 1)).sort()).toEqual([
        'loss-curve.png',
        'loss-curve.svg',
        'rank-agreement.png',
        'rank-agreement.svg',
      ]);
      const png = readFileSync(join(dir, 'loss-curve.png'));
      expect([...png.subarray(0, 8)]).toEqual([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
      // IHDR width/height at bytes 16..24: 800x500 at scale 1.5.
      expect([png.readUInt32BE(16), png.readUInt32BE(20)]).toEqual([1200, 750]);
      expect(statSync(join(dir, 'loss-curve.png')).size).toBeGreaterThan(10_000);
      const svg = readFileSync(join(dir, 'loss-curve.svg'), 'utf8');
      expect(svg.startsWith('<svg')).toBe(true);
      expect(svg).toContain('Loss falls from 3 to 1.2');
      expect(svg).toContain('training step');
    },
  );

  it('rejects unsafe figure names before starting a browser', async () => {
    await expect(savePlots({ '../x': lossCurve([{ step: 1, loss: 1 }]) }, tmpDir())).rejects.toThrow(
      /not file-name safe/,
    );
  });

  it('says how to install Chromium when it is missing', () => {
    const path = process.env.PATH;
    process.env.PATH = '/nonexistent';
    try {
      expect(() => findChromium()).toThrow(/apt-get install -y chromium/);
    } finally {
      process.env.PATH = path;
    }
  });
});
