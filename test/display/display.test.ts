import { createRequire } from 'node:module';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { inKernel } from '../../lib/display/kernel';
import { figureHtml, PLOTLY_MIME, scriptJson, show, showMarkdown } from '../../lib/display/show';
import { formatCell, showTable, toDataFrame, toHtmlTable, toTextTable } from '../../lib/display/table';
import { runHeaderMarkdown, showReport } from '../../lib/display/summary';
import { lossCurve } from '../../lib/plots/training';
import { projectRoot } from '../../lib/core/paths';

const fig = lossCurve(
  [
    { step: 1, loss: 2 },
    { step: 2, loss: 1 },
  ],
  { title: 'Loss </script> test' },
);

/** One display_data as the fake kernel saw it: text mime types, plus plotly's JSON object. */
type Output = Record<string, string> & { [PLOTLY_MIME]?: { data: unknown[]; layout: Record<string, unknown> } };

/** Pretend to be inside a tslab kernel: put a fake tslab/dist/jupyter.js in Node's module cache. */
function fakeKernel(): { outputs: Output[]; remove(): void } {
  const cache = createRequire(join(projectRoot(), 'package.json')).cache;
  const key = '/fake/node_modules/tslab/dist/jupyter.js';
  const outputs: Output[] = [];
  cache[key] = { exports: { lastWriteDisplayData: (d: { data: Output }) => outputs.push(d.data) } } as never;
  return {
    outputs,
    remove: () => {
      delete cache[key];
    },
  };
}

afterEach(() => vi.restoreAllMocks());

describe('outside a kernel', () => {
  it('is not a kernel, and show/showTable/showMarkdown print text', () => {
    expect(inKernel()).toBe(false);
    const log = vi.spyOn(console, 'log').mockImplementation(() => {});
    show(fig);
    showTable([{ a: 1.23456, b: 'x' }], { digits: 2 });
    showMarkdown('**hi**');
    expect(log.mock.calls.map((c) => c[0])).toEqual([
      '[figure] Loss </script> test (x: training step; y: loss; 1 trace: loss)',
      'a     b\n----  -\n1.23  x',
      '**hi**',
    ]);
  });
});

describe('inside a (fake) kernel', () => {
  it('sends the plotly bundle once, then one div + newPlot per figure', () => {
    const k = fakeKernel();
    try {
      expect(inKernel()).toBe(true);
      show(fig);
      show(fig);
      expect(k.outputs).toHaveLength(3);
      const bundle = k.outputs[0]!['text/html']!;
      expect(bundle.startsWith('<script>(function(define, module, exports){')).toBe(true);
      expect(bundle.length).toBeGreaterThan(1_000_000); // the whole plotly.js, no CDN
      expect(bundle).not.toMatch(/src=["']http/);
      expect(k.outputs[0]![PLOTLY_MIME]).toBeUndefined(); // the bundle output is no figure
      for (const out of k.outputs.slice(1)) {
        expect(out['text/html']).toContain('Plotly.newPlot(');
        expect(out['text/plain']).toContain('[figure] Loss');
        // beside the HTML, in the same display_data: plotly's own mime type, a plain {data, layout} object
        const plotly = out[PLOTLY_MIME]!;
        expect(Object.keys(plotly).sort()).toEqual(['data', 'layout']);
        expect(plotly).toEqual(JSON.parse(JSON.stringify({ data: fig.data, layout: fig.layout })));
        expect(plotly.layout).toMatchObject({ title: { text: 'Loss </script> test' } });
        expect(plotly.data).toHaveLength(1);
      }
      expect(k.outputs[1]!['text/html']).not.toBe(k.outputs[2]!['text/html']); // unique div ids
      showTable([{ a: 1 }]);
      expect(k.outputs[3]!['text/html']).toContain('<table');
      showReport({ outputs: 3, skipped: { empty: 1 } });
      expect(k.outputs[4]!['text/plain']).toContain('skipped.empty');
    } finally {
      k.remove();
    }
  });

  it('embeds figure JSON so that no string can close the script tag', () => {
    expect(scriptJson({ t: '</script><b>' })).toBe('{"t":"\\u003c/script>\\u003cb>"}');
    const html = figureHtml(fig, 'id1');
    expect(html.match(/<\/script>/g)).toHaveLength(1);
    expect(html).toContain('id="id1"');
  });
});

describe('tables', () => {
  const rows = [
    { task: 'SciFact', score: 0.612345, note: '<b>bold</b>' },
    { task: 'CISI', score: 0.5, extra: true },
  ];

  it('formats cells', () => {
    expect(formatCell(0.123456, { digits: 3 })).toBe('0.123');
    expect(formatCell(3)).toBe('3');
    expect(formatCell({ a: 1 })).toBe('{"a":1}');
    expect(formatCell('abcdef', { maxChars: 4 })).toBe('abc…');
    expect(formatCell(null)).toBe('');
  });

  it('renders escaped HTML with the union of columns, a limit and a footer', () => {
    const html = toHtmlTable(rows, { digits: 2, limit: 1 });
    expect(html).toContain(
      '<th style="text-align:left">task</th><th style="text-align:right">score</th><th style="text-align:left">note</th><th style="text-align:left">extra</th>',
    );
    expect(html).toContain('&lt;b&gt;bold&lt;/b&gt;');
    expect(html).toContain('>0.61<');
    expect(html).not.toContain('CISI');
    expect(html).toContain('showing 1 of 2 rows');
    expect(toTextTable(rows, { columns: ['task', 'score'], digits: 1 })).toBe(
      'task     score\n-------  -----\nSciFact  0.6\nCISI     0.5',
    );
  });

  it('accepts a danfojs DataFrame', () => {
    const df = toDataFrame([
      { model: 'a', score: 1 },
      { model: 'b', score: 2 },
    ]);
    expect(toTextTable(df)).toBe('model  score\n-----  -----\na      1\nb      2');
  });
});

describe('run header', () => {
  it('states preset, hash, seed, backend with reason, and flags the offline stand-in', () => {
    const md = runHeaderMarkdown({
      id: 'r1',
      dir: '/runs/r1',
      preset: 'smoke',
      configHash: 'abcdef0123456789',
      config: { seed: 7, llm: { teacher: 'offline' } } as never,
      backend: { name: 'wasm', tfBackend: 'wasm', reason: 'auto: only wasm available' } as never,
    });
    expect(md).toContain('`abcdef01`');
    expect(md).toContain('| seed | 7 |');
    expect(md).toContain('`wasm`: auto: only wasm available');
    expect(md).toContain('a stand-in, not an LLM');
  });
});
