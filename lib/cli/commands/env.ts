// `gecko env`: the compute backend (and why), the CPU, package versions, data directory, git state.
import { existsSync } from 'node:fs';
import type { Command } from '../command';
import { enginePath } from '../../backend/engine-path';
import { selectBackend } from '../../backend/select';
import { gitState } from '../../core/version';
import { cpuInfo } from '../../core/cpu';
import { packageVersions } from '../../runs/run';
import { dataDir, cacheDir, runsDir } from '../../core/paths';
import { ENV_VARS, readEnv } from '../../core/env';

export const command: Command = {
  name: 'env',
  summary: 'show the compute backend and why, package versions, folders and settings',
  usage: 'npx gecko env [--json]',
  flags: { json: { type: 'boolean', help: 'print one JSON object' } },
  async run(args) {
    const backend = await selectBackend();
    const info = {
      backend: {
        name: backend.name,
        tfBackend: backend.tfBackend,
        package: backend.package,
        reason: backend.reason,
        gpu: backend.gpu,
        enginePath: enginePath(backend.tfBackend),
      },
      cpu: cpuInfo(),
      node: process.version,
      versions: packageVersions(),
      dataDir: { path: dataDir(), exists: existsSync(dataDir()) },
      runsDir: runsDir(),
      cacheDir: cacheDir(),
      git: gitState(),
      settings: Object.fromEntries(
        Object.keys(ENV_VARS)
          .filter((k) => k !== 'OPENAI_API_KEY')
          .map((k) => [k, readEnv(k as keyof typeof ENV_VARS) ?? null]),
      ),
      openaiApiKey: readEnv('OPENAI_API_KEY') ? 'set (hidden)' : 'not set',
    };
    if (args.flags.json) {
      process.stdout.write(JSON.stringify(info, null, 2) + '\n');
      return;
    }
    const lines = [
      `backend   ${info.backend.name}  (${info.backend.reason})`,
      `path      ${info.backend.enginePath} (GECKO_ENGINE; see README, "GPU: what works")`,
      `gpu       driver ${backend.gpu.driver ?? 'none'}; devices ${backend.gpu.devices.join(', ') || 'none'}; isUsingGpuDevice ${backend.gpu.isUsingGpuDevice ?? 'n/a (tfjs-node-gpu not loaded)'}`,
      `cpu       ${info.cpu.cpu_model}, ${info.cpu.cores} cores, widest SIMD ${info.cpu.simd}`,
      `node      ${info.node}`,
      ...Object.entries(info.versions).map(([k, v]) => `          ${k} ${v ?? '(not installed)'}`),
      `data dir  ${info.dataDir.path}${info.dataDir.exists ? '' : '  (missing: set GECKO_DATA_DIR)'}`,
      `runs dir  ${info.runsDir}`,
      `cache dir ${info.cacheDir}`,
      `git       ${info.git.commit ?? '(not a git checkout)'}${info.git.dirty ? ' (uncommitted changes)' : ''}`,
      `api key   ${info.openaiApiKey}`,
    ];
    process.stdout.write(lines.join('\n') + '\n');
  },
};
