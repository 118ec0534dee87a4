// `gecko eval`: MTEB-style evaluation of one model on tasks at several dimensions; writes one
// MTEB-format JSON per (task, dim), a summary (JSON + table) and prints category averages.
import { join } from 'node:path';
import type { Command } from '../command';
import { GeckoError, UsageError } from '../../core/errors';
import { writeJson } from '../../core/fs';
import { consoleLogger } from '../../core/log';
import { runsDir } from '../../core/paths';
import { configFromArgs } from '../config';
import { evaluate } from '../../eval/evaluate';
import { closeModel, MODEL_SPECS_HELP, resolveModel } from '../../eval/models';
import { categoryAverages, formatSummary, modelFolder, summaryRecords } from '../../eval/results';
import { selectTasks } from '../../eval/tasks/registry';
import { checkEnvDirs, claimOutputDir, checkOutputDir } from '../../core/preflight';
import { checkDims, checkSomeTasks } from '../../pipeline/checks';
import { inDomainTasks } from '../../mixture/build';
import type { EncoderConfig } from '../../encoder/config';
import { isUseLiteBackbone, USE_LITE_OVERLAP_TASKS } from '../../encoder/use-lite-import';

export const command: Command = {
  name: 'eval',
  summary: 'evaluate a model on MTEB-style tasks at several Matryoshka dimensions',
  usage:
    'npx gecko eval --model <' +
    MODEL_SPECS_HELP +
    '> [--tasks all|NAMES|TYPES] [--dims 256,64] [--out DIR] [--preset demo]',
  flags: {
    model: { type: 'string', help: `model to evaluate: ${MODEL_SPECS_HELP}` },
    tasks: { type: 'list', help: "task names, task types (Retrieval, STS, ...) or 'all' (default: config eval.tasks)" },
    dims: {
      type: 'list',
      help: "prefix dimensions to score at (default: config eval.dims for workbench encoders, else the full size; 'full' = full size)",
    },
    out: { type: 'string', help: 'results folder (default: <runs dir>/eval)' },
    force: { type: 'boolean', help: 'recompute tasks whose result files already exist' },
    json: { type: 'boolean', help: 'print the summary records as JSON on stdout instead of a table' },
  },
  async run(args) {
    const spec = args.flags.model as string | undefined;
    if (!spec) throw new UsageError('--model is required', `use ${MODEL_SPECS_HELP}`);
    const { preset, config } = configFromArgs(args);
    const taskNames = (args.flags.tasks as string[] | undefined) ?? config.eval.tasks;
    const tasks = selectTasks(taskNames);
    checkSomeTasks(tasks.length, taskNames);
    const dimsFlag = args.flags.dims as string[] | undefined;
    let dims: number[];
    if (dimsFlag) {
      dims = dimsFlag
        .filter((d) => d !== 'full')
        .map((d) => {
          const n = Number(d);
          if (!Number.isInteger(n) || n < 1)
            throw new UsageError(`--dims: '${d}' is not a positive integer`, 'e.g. --dims 256,128,64');
          return n;
        });
    } else {
      dims =
        spec.startsWith('bm25') || spec.startsWith('hash') || spec.startsWith('openai:') || spec === 'use-lite'
          ? []
          : [...config.eval.dims];
    }
    const outDir = (args.flags.out as string | undefined) ?? join(runsDir(), 'eval');
    checkEnvDirs();
    checkOutputDir(outDir);
    const model = await resolveModel(spec, { config });
    try {
      if (model.kind === 'dense' && !dimsFlag) {
        // dims from the preset, not typed by the user: a narrower model skips the wider ones (with a note)
        const width = model.embedder.dim;
        const wider = dims.filter((d) => d > width);
        if (wider.length) {
          dims = dims.filter((d) => d <= width);
          consoleLogger.warn(
            `eval.dims ${wider.join(',')} of preset ${preset} exceed the model's ${width} dimensions: skipped (evaluating ${dims.length ? dims.join(',') : `the full ${width}`}); choose dims with --dims`,
          );
        }
      }
      if (model.kind === 'dense') checkDims(dims, model.embedder.dim, '--dims');
      claimOutputDir(join(outDir, modelFolder(model.id)), '--out', 'gecko eval'); // one writer per model's results
    } catch (e) {
      await closeModel(model);
      throw e;
    }
    const log = consoleLogger;
    log.info(
      `gecko eval: model ${model.id}, ${tasks.length} task(s), dims ${model.kind === 'bm25' ? 'n/a (lexical)' : dims.length ? dims.join(',') : 'full'}, preset ${preset}, out ${outDir}`,
    );
    let report;
    try {
      report = await evaluate({
        model,
        tasks,
        dims,
        outDir,
        log,
        progress: true,
        force: Boolean(args.flags.force),
        batchSize: config.eval.batchSize,
        format: config.format,
        subsample: {
          maxQueries: config.eval.maxQueries,
          maxCorpus: config.eval.maxCorpus,
          maxTrain: config.eval.maxTrain,
          maxTest: config.eval.maxTest,
          seed: config.seed,
        },
      });
    } finally {
      await closeModel(model);
    }
    for (const na of report.notApplicable) log.info(`${na.task}: not applicable (${na.why})`);
    if (report.rows.every((r) => r.main_score === null))
      throw new GeckoError(
        `no task applies to model ${model.id}: ${report.notApplicable.map((na) => `${na.task} (${na.why})`).join('; ') || tasks.map((t) => t.name).join(', ')}; nothing was scored`,
        'choose tasks this model can run with --tasks (e.g. retrieval tasks for bm25), or a dense model with --model',
      );
    // A checkpoint trained with this config's mixture is in-domain on the tasks whose train split the mixture holds.
    const inDomain = model.id.startsWith('ckpt:') ? inDomainTasks(config.finetune.mixture) : [];
    // USE-lite (the graph or a checkpoint of it): the tasks that may overlap USE's own training data
    const cfgOf = (model as { embedder?: { config?: EncoderConfig } }).embedder?.config;
    if (model.id === 'use-lite' || (cfgOf && isUseLiteBackbone(cfgOf)))
      inDomain.push(...USE_LITE_OVERLAP_TASKS.filter((t) => !inDomain.includes(t)));
    const records = summaryRecords(report.rows, inDomain);
    const summaryDir = join(outDir, modelFolder(model.id));
    writeJson(join(summaryDir, 'summary.json'), {
      model: model.id,
      preset,
      seconds: report.seconds,
      encoded: report.encoded,
      rows: report.rows,
      averages: categoryAverages(report.rows, inDomain),
      table: records,
    });
    log.info(
      `wrote ${report.files.length} result file(s) and ${join(summaryDir, 'summary.json')} in ${report.seconds.toFixed(1)}s (${report.encoded} texts encoded)`,
    );
    if (args.flags.json) {
      process.stdout.write(JSON.stringify(records, null, 2) + '\n');
    } else if (records.length) {
      process.stdout.write(formatSummary(records) + '\n');
    }
  },
};
