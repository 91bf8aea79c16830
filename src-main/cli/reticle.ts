/**
 * `reticle`: the studio from a terminal. Every command goes through the same contract and
 * services as the UI (direct transport). `--json` prints machine-readable results on stdout;
 * progress and messages go to stderr.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { StudioError, toErrorPayload } from '@shared';
import { createStudio, STUDIO_VERSION } from '../studio.js';
import { createDirectClient } from '../transports/direct.js';
import { isLoopback, startServe } from '../transports/serve.js';
import { formatImportReport, formatStats, ProgressLine } from './output.js';
import { UsageError, parse, parseSplit, print, waitForJob, withStudio } from './common.js';
import { cmdExportModel, cmdResume, cmdRuns, cmdRuntime, cmdTrain } from './train-commands.js';
import { cmdAutolabel, cmdPredict } from './inference-commands.js';
import { TEAM_COMMANDS, TEAM_USAGE } from './team-commands.js';
import { BACKUP_COMMANDS, BACKUP_USAGE } from './backup-commands.js';
import { cmdEvaluate, EVALUATE_USAGE } from './evaluate-command.js';
import { WEIGHTS_COMMANDS, WEIGHTS_USAGE } from './weights-commands.js';

const USAGE = `reticle ${STUDIO_VERSION}: label images, train YOLO models, offline.

Usage:
  reticle new DIR --name NAME --task detect|classify [--multi-label]
  reticle import DIR PATH... [--format auto|images|yolo|coco|folders] [--allow-outside] [--json]
  reticle export DIR --format yolo|coco|folders --out OUT [--split 0.8,0.1,0.1] [--seed N] [--overwrite] [--json]
  reticle stats DIR [--json]
  reticle serve [--project DIR] [--host 127.0.0.1] [--port 7420]

Training:
  reticle runtime check [--python PATH] [--json]
  reticle runtime install [--recreate|--reinstall] [--python BASE] [--accelerator auto|cuda|mps|cpu] [--json]
  reticle train DIR --model yolo11n.pt|yolo11n.yaml|PATH/TO.pt|run:RUN [--epochs 100] [--imgsz 640] [--batch N|auto]
                [--device auto|cpu|mps|0|0,1] [--name NAME] [--patience N] [--seed N]
                [--augmentation none|light|default|heavy] [--split 0.8,0.1,0.1] [--set KEY=VALUE]... [--json]
  reticle resume DIR RUN [--json]
  reticle runs DIR [RUN] [--json]
  reticle export-model DIR RUN [--format onnx] [--weights best|last] [--json]

  --model yolo11n.pt is Ultralytics' COCO-pretrained weights from the weights library (fetched
  once if missing; yolo11n-cls.pt for classification), a path with a slash is your own file,
  yolo11n.yaml trains from scratch, run:RUN starts from an earlier run's best.pt.
  train and resume stream one JSON object per line with --json (status, epoch, progress,
  result); Ctrl-C stops the run politely, keeping it resumable. Exit status: 0 completed,
  130 stopped, 1 failed.

Inference (exported Ultralytics ONNX models):
  reticle predict MODEL.onnx IMAGE|DIR... [--conf 0.25] [--iou 0.7] [--json]
  reticle autolabel DIR --model MODEL.onnx|--run RUN|--weights yolo11n.pt [--map MODEL_CLASS[=PROJECT_CLASS]]...
                    [--conf 0.25] [--iou 0.7] [--create-classes] [--json]

  predict prints each image's boxes (image pixels, x1 y1 x2 y2) or top classes; autolabel
  stores suggestions for the project's unlabeled images, apart from its annotations.
  --weights labels before you have a model: a pretrained COCO detector from the weights library
  (exported to ONNX once); --map keeps only the classes named (--map car=vehicle --map person).
${EVALUATE_USAGE}${WEIGHTS_USAGE}${TEAM_USAGE}${BACKUP_USAGE}
Options:
  --json     machine-readable output on stdout (progress stays on stderr)
  -h, --help this text
  --version  the studio's version
`;

async function cmdNew(argv: string[]): Promise<number> {
  const { positionals, values } = parse(argv, { name: { type: 'string' }, task: { type: 'string' }, 'multi-label': { type: 'boolean' } });
  const [dir] = positionals;
  if (!dir || positionals.length > 1) throw new UsageError('reticle new takes one folder: reticle new DIR --name NAME --task detect|classify');
  const task = (values.task as string | undefined) ?? 'detect';
  if (task !== 'detect' && task !== 'classify') throw new UsageError('--task is detect or classify');
  const name = (values.name as string | undefined) ?? path.basename(path.resolve(dir));
  return withStudio(async (api) => {
    const info = await api.projects.create({ dir: path.resolve(dir), name, task, multiLabel: Boolean(values['multi-label']) });
    print(Boolean(values.json), info, `Created ${info.task} project "${info.name}" in ${info.dir}`);
    return 0;
  });
}

async function cmdImport(argv: string[]): Promise<number> {
  const { positionals, values } = parse(argv, { format: { type: 'string', default: 'auto' }, 'allow-outside': { type: 'boolean' } });
  const [dir, ...sources] = positionals;
  if (!dir || sources.length === 0) throw new UsageError('reticle import DIR PATH... : name the project and what to import');
  const format = values.format as string;
  if (!['auto', 'images', 'yolo', 'coco', 'folders'].includes(format)) throw new UsageError('--format is auto, images, yolo, coco or folders');
  const json = Boolean(values.json);
  return withStudio(async (api) => {
    await api.projects.open({ dir: path.resolve(dir) });
    const progress = new ProgressLine('import');
    const { jobId } = await api.imports.start({ paths: sources.map((s) => path.resolve(s)), format: format as 'auto', allowOutside: Boolean(values['allow-outside']) });
    const result = await waitForJob(api, jobId, progress);
    if (result.status === 'failed') throw new StudioError(result.error.code, result.error.message);
    if (result.kind !== 'import') throw new StudioError('internal', 'unexpected job result');
    print(json, result.report, formatImportReport(result.report));
    return result.status === 'cancelled' ? 130 : 0;
  });
}

async function cmdExport(argv: string[]): Promise<number> {
  const { positionals, values } = parse(argv, { format: { type: 'string' }, out: { type: 'string' }, split: { type: 'string' }, seed: { type: 'string' }, overwrite: { type: 'boolean' } });
  const [dir] = positionals;
  if (!dir || !values.format || !values.out) throw new UsageError('reticle export DIR --format yolo|coco|folders --out OUT');
  const split = values.split === undefined ? undefined : parseSplit(values.split as string);
  const seed = values.seed === undefined ? 0 : Number(values.seed);
  if (!Number.isInteger(seed) || seed < 0) throw new UsageError('--seed is a whole number, 0 or more');
  return withStudio(async (api) => {
    await api.projects.open({ dir: path.resolve(dir) });
    const progress = new ProgressLine('export');
    const { jobId } = await api.exports.start({
      format: values.format as 'yolo',
      outDir: path.resolve(values.out as string),
      split,
      seed,
      overwrite: Boolean(values.overwrite),
    });
    const result = await waitForJob(api, jobId, progress);
    if (result.status === 'failed') throw new StudioError(result.error.code, result.error.message);
    if (result.kind !== 'export') throw new StudioError('internal', 'unexpected job result');
    const r = result.report;
    print(
      Boolean(values.json),
      r,
      `Exported ${r.images} images with ${r.annotations} annotations as ${r.format} to ${r.outDir}\n` +
        `  train ${r.perSplit.train}, val ${r.perSplit.val}, test ${r.perSplit.test}` +
        (r.skippedUnlabeled ? `\n  ${r.skippedUnlabeled} unlabeled images left out` : ''),
    );
    return 0;
  });
}

async function cmdStats(argv: string[]): Promise<number> {
  const { positionals, values } = parse(argv, {});
  const [dir] = positionals;
  if (!dir) throw new UsageError('reticle stats DIR');
  return withStudio(async (api) => {
    await api.projects.open({ dir: path.resolve(dir) });
    const stats = await api.stats.dataset();
    print(Boolean(values.json), stats, formatStats(stats));
    return 0;
  });
}

async function cmdServe(argv: string[]): Promise<number> {
  const { values } = parse(argv, { project: { type: 'string' }, host: { type: 'string', default: '127.0.0.1' }, port: { type: 'string', default: '7420' } });
  const port = Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new UsageError('--port is a number from 0 to 65535');
  const hostname = values.host as string;
  const studio = createStudio({ mode: 'serve' });
  if (values.project) await createDirectClient(studio.host).projects.open({ dir: path.resolve(values.project as string) });
  const rendererDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../renderer');
  const server = await startServe({ host: studio.host, session: studio.session, external: studio.externalImages, rendererDir, hostname, port });
  if (!isLoopback(hostname)) {
    process.stderr.write(
      `warning: serving on ${hostname}, reachable from other machines. Anyone with the URL's token can read and change your projects; prefer an SSH tunnel to a loopback address.\n`,
    );
  }
  process.stdout.write(`Reticle Studio at ${server.url}\n`);
  const stop = async () => {
    process.stderr.write('stopping…\n');
    await server.close();
    await studio.dispose();
    process.exit(0);
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  return new Promise<number>(() => undefined);
}

const COMMANDS: Record<string, (argv: string[]) => Promise<number>> = {
  new: cmdNew,
  import: cmdImport,
  export: cmdExport,
  stats: cmdStats,
  serve: cmdServe,
  runtime: cmdRuntime,
  train: cmdTrain,
  resume: cmdResume,
  runs: cmdRuns,
  'export-model': cmdExportModel,
  predict: cmdPredict,
  autolabel: cmdAutolabel,
  evaluate: cmdEvaluate,
  ...TEAM_COMMANDS,
  ...BACKUP_COMMANDS,
  ...WEIGHTS_COMMANDS,
};

export async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (!command || command === '-h' || command === '--help' || command === 'help') {
    process.stdout.write(USAGE);
    return command ? 0 : 2;
  }
  if (command === '--version') {
    process.stdout.write(`${STUDIO_VERSION}\n`);
    return 0;
  }
  const run = COMMANDS[command];
  const json = rest.includes('--json');
  if (!run) {
    process.stderr.write(`reticle: unknown command "${command}"\n\n${USAGE}`);
    return 2;
  }
  if (rest.includes('--help') || rest.includes('-h')) {
    process.stdout.write(USAGE);
    return 0;
  }
  try {
    return await run(rest);
  } catch (err) {
    if (err instanceof UsageError) {
      process.stderr.write(`reticle ${command}: ${err.message}\n`);
      return 2;
    }
    const error = toErrorPayload(err);
    if (json) process.stdout.write(`${JSON.stringify({ error }, null, 2)}\n`);
    process.stderr.write(`reticle ${command}: ${error.message}\n`);
    return 1;
  }
}

const isEntry = process.argv[1] && fileURLToPath(import.meta.url) === path.resolve(process.argv[1]);
if (isEntry) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (err) => {
      process.stderr.write(`reticle: ${(err as Error).stack ?? String(err)}\n`);
      process.exit(1);
    },
  );
}
