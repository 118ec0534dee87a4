// Figures to PNG and SVG files through headless Chromium (Debian `chromium`) driven by
// playwright-core. plotly.js is injected from node_modules (plotly.js-dist-min), every
// network request is aborted, and one browser renders all the figures of a call.
import { existsSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { delimiter, join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { readEnv } from '../core/env';
import { GeckoError } from '../core/errors';
import { ensureDir, writeFileAtomic } from '../core/fs';
import { projectRoot } from '../core/paths';
import { FIGURE_HEIGHT, FIGURE_WIDTH, type Figure } from './figure';

export type ImageFormat = 'png' | 'svg';

export interface ImageOptions {
  /** Formats to write (default both). */
  formats?: ImageFormat[];
  width?: number;
  height?: number;
  /** PNG pixel ratio (default 1.5, sharp enough for a README). */
  scale?: number;
}

/** Flags from the ecosystem notes: headless, no sandbox (containers), no background traffic. */
export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-quic',
  '--disable-dev-shm-usage',
];

const CHROMIUM_NAMES = ['chromium', 'chromium-browser', 'google-chrome', 'google-chrome-stable'];

/**
 * The Chromium binary: GECKO_CHROMIUM, else the first of chromium / chromium-browser /
 * google-chrome on PATH. Throws a GeckoError saying how to install it.
 */
export function findChromium(): string {
  const env = readEnv('GECKO_CHROMIUM');
  if (env) {
    if (!existsSync(env))
      throw new GeckoError(
        `GECKO_CHROMIUM is set to ${env}, which does not exist`,
        'point GECKO_CHROMIUM at a Chromium or Chrome binary, or unset it to use chromium from PATH',
      );
    return env;
  }
  for (const dir of (process.env.PATH ?? '').split(delimiter).filter(Boolean)) {
    for (const name of CHROMIUM_NAMES) {
      const p = join(dir, name);
      if (existsSync(p) && statSync(p).isFile()) return p;
    }
  }
  throw new GeckoError(
    'Chromium not found: saving plots as PNG/SVG needs a headless Chromium (looked for chromium, chromium-browser, google-chrome on PATH)',
    'on Debian/Ubuntu run `sudo apt-get install -y chromium`; elsewhere install Chromium or Chrome and set GECKO_CHROMIUM=/path/to/binary. Notebooks still show plots interactively without it.',
  );
}

function projectRequire(): NodeJS.Require {
  return createRequire(join(projectRoot(), 'package.json'));
}

/** Path of the plotly.js bundle in node_modules (also used by display/show.ts). */
export function plotlyBundlePath(): string {
  return projectRequire().resolve('plotly.js-dist-min');
}

/**
 * A page with plotly.js loaded and all network blocked. Call `render` for each figure,
 * then `close`. Prefer savePlots/renderFigures, which manage this for you.
 */
export async function openPlotRenderer(): Promise<{
  render(fig: Figure, format: ImageFormat, opts?: ImageOptions): Promise<Buffer | string>;
  blocked: string[];
  close(): Promise<void>;
}> {
  const { chromium } = projectRequire()('playwright-core') as typeof import('playwright-core');
  const executablePath = findChromium();
  let browser: Browser;
  try {
    browser = await chromium.launch({ executablePath, args: CHROMIUM_ARGS, timeout: 60_000 });
  } catch (e) {
    throw new GeckoError(
      `could not start Chromium at ${executablePath}: ${(e as Error).message.split('\n')[0]}`,
      'check that `chromium --headless --no-sandbox --dump-dom about:blank` works; set GECKO_CHROMIUM to another binary if not',
    );
  }
  const blocked: string[] = [];
  try {
    const page: Page = await browser.newPage();
    await page.route('**/*', (route) => {
      blocked.push(route.request().url());
      return route.abort();
    });
    await page.setContent('<!doctype html><html><body style="margin:0"><div id="fig"></div></body></html>');
    await page.addScriptTag({ path: plotlyBundlePath() });
    const render = async (fig: Figure, format: ImageFormat, opts: ImageOptions = {}): Promise<Buffer | string> => {
      const width = opts.width ?? (fig.layout.width as number | undefined) ?? FIGURE_WIDTH;
      const height = opts.height ?? (fig.layout.height as number | undefined) ?? FIGURE_HEIGHT;
      const url = await page.evaluate(
        async ({ fig, format, width, height, scale }) => {
          const g = globalThis as any; // browser context: window.Plotly, document
          const div = g.document.getElementById('fig');
          await g.Plotly.react(
            div,
            fig.data,
            { ...fig.layout, width, height },
            { displayModeBar: false, staticPlot: true },
          );
          return g.Plotly.toImage(div, {
            format,
            width,
            height,
            scale: format === 'png' ? scale : 1,
          }) as Promise<string>;
        },
        { fig, format, width, height, scale: opts.scale ?? 1.5 },
      );
      const comma = url.indexOf(',');
      if (format === 'png') return Buffer.from(url.slice(comma + 1), 'base64');
      const body = url.slice(comma + 1);
      return url.slice(0, comma).endsWith(';base64')
        ? Buffer.from(body, 'base64').toString('utf8')
        : decodeURIComponent(body);
    };
    return { render, blocked, close: () => browser.close() };
  } catch (e) {
    await browser.close();
    throw e;
  }
}

/**
 * Render figures to images in memory with one browser.
 * @example const { loss } = await renderFigures({ loss: lossCurve(rows) }, { formats: ['png'] }); // loss.png is a Buffer
 */
export async function renderFigures(
  figures: Record<string, Figure>,
  opts: ImageOptions = {},
): Promise<Record<string, { png?: Buffer; svg?: string }>> {
  const formats = opts.formats ?? ['png', 'svg'];
  const renderer = await openPlotRenderer();
  try {
    const out: Record<string, { png?: Buffer; svg?: string }> = {};
    for (const [name, fig] of Object.entries(figures)) {
      const entry: { png?: Buffer; svg?: string } = {};
      for (const format of formats) {
        const img = await renderer.render(fig, format, opts);
        if (format === 'png') entry.png = img as Buffer;
        else entry.svg = img as string;
      }
      out[name] = entry;
    }
    if (renderer.blocked.length)
      throw new Error(`plot export tried to reach the network: ${renderer.blocked.slice(0, 3).join(', ')}`);
    return out;
  } finally {
    await renderer.close();
  }
}

/**
 * Write each figure as `<dir>/<name>.png` and `<dir>/<name>.svg` (one browser for all).
 * Names must be file-name safe. Returns the paths written.
 * @example await savePlots({ 'loss-curve': lossCurve(rows), 'score-bars': scoreBars(scores) }, ctx.path('plots'))
 */
export async function savePlots(
  figures: Record<string, Figure>,
  dir: string,
  opts: ImageOptions = {},
): Promise<string[]> {
  for (const name of Object.keys(figures)) {
    if (!/^[A-Za-z0-9._-]+$/.test(name))
      throw new Error(`savePlots: figure name '${name}' is not file-name safe (use letters, digits, '.', '_', '-')`);
  }
  const images = await renderFigures(figures, opts);
  ensureDir(dir);
  const written: string[] = [];
  for (const [name, img] of Object.entries(images)) {
    if (img.png) {
      const p = join(dir, `${name}.png`);
      writeFileAtomic(p, img.png);
      written.push(p);
    }
    if (img.svg !== undefined) {
      const p = join(dir, `${name}.svg`);
      writeFileAtomic(p, img.svg);
      written.push(p);
    }
  }
  return written;
}
