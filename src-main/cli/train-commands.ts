/**
 * `reticle train`, `resume`, `runs`, `export-model` and `runtime check|install`: training from a
 * terminal, through the same contract as the app's training page.
 *
 * `reticle train --json` streams the contract's training events, one JSON object per line:
 *
 *   {"type":"status","run":RunSummary}                  each status change (queued, running, ...)
 *   {"type":"epoch","runId":"…","epoch":EpochRecord}     each epoch, as it ends
 *   {"type":"progress",...TrainingProgress}              within an epoch, a few times a second
 *   {"type":"result","run":RunSummary,"results":RunResults|null,"artifacts":RunArtifact[]}  last
 *
 * Without `--json`: one readable line per epoch on stdout, progress and notes on stderr.
 * Ctrl-C stops the run politely (the epoch is cut short, validated and saved; it can be
 * resumed); a second Ctrl-C stops waiting for that and kills the trainer after a few seconds.
 * Exit status: 0 completed, 130 stopped, 1 failed or interrupted.
 */
import path from 'node:path';
import { runtimeDeviceProblem, StudioError, WeightsNameSchema, type EpochRecord, type JobResult, type RunStatus, type RunSummary, type RuntimeStatus, type StudioApi, type TrainingProgress, type TrainingStartRequest } from '@shared';
import type { Studio } from '../studio.js';
import { UsageError, parse, parseSplit, print, waitForJob, withStudio, type Flags } from './common.js';
import { ProgressLine } from './output.js';
import { ensureWeights } from './weights-commands.js';
import { formatEpoch, formatProgress, formatRunTable, formatRuntimeStatus, formatRunEnd } from './training-output.js';

const ENDED: readonly RunStatus[] = ['completed', 'stopped', 'failed', 'interrupted'];
const ARCHITECTURE = /^(yolo11|yolo26|yolov8)([nsmlx])(-cls)?\.yaml$/;

function integer(values: Flags, name: string, min: number): number | undefined {
  const raw = values[name];
  if (raw === undefined) return undefined;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min) throw new UsageError(`--${name} is a whole number, ${min} or more`);
  return n;
}

/**
 * Ultralytics' own convention: `yolo11n.pt` (a bare name) is the pretrained weights of that name,
 * a path with a slash is a file, `yolo11n.yaml` an architecture from scratch, `run:RUN` an
 * earlier run's best.pt.
 */
function parseModel(text: string): TrainingStartRequest['model'] {
  const arch = ARCHITECTURE.exec(text);
  if (arch) return { kind: 'architecture', family: arch[1] as 'yolo11', size: arch[2] as 'n' };
  if (text.startsWith('run:')) return { kind: 'run', runId: text.slice(4) };
  if (text.toLowerCase().endsWith('.pt')) {
    if (/[\\/]/.test(text)) return { kind: 'weights', path: path.resolve(text) };
    const name = WeightsNameSchema.safeParse(text);
    if (!name.success) throw new UsageError(`--model ${text}: ${name.error.issues[0]?.message}; write ./${text} for a file in this folder`);
    return { kind: 'pretrained', name: text };
  }
  throw new UsageError(
    "--model is pretrained weights (yolo11n.pt: yolo11, yolo26 or yolov8, size n, s, m, l or x, -cls for classification), a file (./my.pt), an architecture from scratch (yolo11n.yaml), or run:RUN to start from a run's best.pt",
  );
}

/** `--set key=value`: numbers and true/false as such, anything else as text. */
function parseAdvanced(items: string[]): Record<string, number | string | boolean> {
  const out: Record<string, number | string | boolean> = {};
  for (const item of items) {
    const eq = item.indexOf('=');
    if (eq <= 0) throw new UsageError(`--set takes KEY=VALUE, such as --set mosaic=0 (got "${item}")`);
    const key = item.slice(0, eq);
    const raw = item.slice(eq + 1);
    out[key] = raw === 'true' ? true : raw === 'false' ? false : raw.trim() !== '' && Number.isFinite(Number(raw)) ? Number(raw) : raw;
  }
  return out;
}

function trainRequest(values: Flags): TrainingStartRequest {
  if (!values.model) throw new UsageError('reticle train needs --model, such as --model yolo11n.pt (pretrained on COCO)');
  const batch = values.batch === undefined || values.batch === 'auto' ? 'auto' : integer(values, 'batch', 1);
  const device = (values.device as string | undefined) ?? 'auto';
  const problem = device === 'auto' ? null : runtimeDeviceProblem(device);
  if (problem) throw new UsageError(`--device: ${problem}, or auto`);
  const augmentation = values.augmentation as string | undefined;
  if (augmentation !== undefined && !['none', 'light', 'default', 'heavy'].includes(augmentation)) throw new UsageError('--augmentation is none, light, default or heavy');
  return {
    model: parseModel(values.model as string),
    name: values.name as string | undefined,
    epochs: integer(values, 'epochs', 1),
    imgsz: integer(values, 'imgsz', 32),
    batch,
    device,
    patience: integer(values, 'patience', 0),
    seed: integer(values, 'seed', 0),
    augmentation: augmentation as TrainingStartRequest['augmentation'],
    split: values.split === undefined ? undefined : parseSplit(values.split as string),
    advanced: parseAdvanced((values.set as string[] | undefined) ?? []),
  };
}

/** Follows one run to its end, printing as it goes; resolves with how it ended. */
async function follow(api: StudioApi, studio: Studio, begin: () => Promise<RunSummary>, json: boolean): Promise<RunSummary> {
  const line = (value: unknown) => process.stdout.write(`${JSON.stringify(value)}\n`);
  const progressLine = new ProgressLine('train');
  let runId: string | null = null;
  // Events arrive while `begin` is still answering (a run is queued and started in one go):
  // they wait until the run's id is known, then those of this run are handled in order.
  const early: { id: string; handle: () => void }[] = [];
  const mine = (id: string, handle: () => void) => {
    if (runId === null) early.push({ id, handle });
    else if (id === runId) handle();
  };
  let settle!: (run: RunSummary) => void;
  const ended = new Promise<RunSummary>((resolve) => (settle = resolve));
  let shown: RunStatus | null = null;
  const onStatus = (run: RunSummary) =>
    mine(run.id, () => {
      if (json) line({ type: 'status', run });
      else if (run.status !== shown) progressLine.note(`${run.name}: ${run.status}${run.device && run.status === 'running' ? ` on ${run.device}` : ''}`);
      shown = run.status;
      if (ENDED.includes(run.status)) settle(run);
    });
  const onEpoch = (e: { runId: string; epoch: EpochRecord }) =>
    mine(e.runId, () => {
      if (json) line({ type: 'epoch', ...e });
      else {
        progressLine.done();
        process.stdout.write(`${formatEpoch(e.epoch)}\n`);
      }
    });
  const onProgress = (p: TrainingProgress) =>
    mine(p.runId, () => {
      if (json) line({ type: 'progress', ...p });
      else progressLine.text(formatProgress(p));
    });
  const offs = [api.training.onStatus(onStatus), api.training.onEpoch(onEpoch), api.training.onProgress(onProgress)];

  let interrupts = 0;
  const onSigint = () => {
    interrupts++;
    if (!runId) return;
    if (interrupts === 1) {
      progressLine.note('stopping: finishing this epoch and saving (Ctrl-C again to stop waiting)');
      void api.training.stop({ runId }).catch(() => undefined);
    } else {
      progressLine.note('killing the trainer in a few seconds');
      void studio.training.dispose();
    }
  };
  process.on('SIGINT', onSigint);
  try {
    const started = await begin();
    runId = started.id;
    for (const e of early.splice(0)) if (e.id === runId) e.handle();
    return ENDED.includes(started.status) ? started : await ended;
  } finally {
    process.off('SIGINT', onSigint);
    for (const off of offs) off();
    progressLine.done();
  }
}

async function finishRun(api: StudioApi, run: RunSummary, json: boolean): Promise<number> {
  const detail = await api.training.get({ runId: run.id });
  if (json) process.stdout.write(`${JSON.stringify({ type: 'result', run, results: detail.results, artifacts: detail.artifacts })}\n`);
  else process.stdout.write(`${formatRunEnd(detail)}\n`);
  if (run.status === 'completed') return 0;
  if (run.status === 'stopped') return 130;
  return 1;
}

export async function cmdTrain(argv: string[]): Promise<number> {
  const { positionals, values } = parse(argv, {
    model: { type: 'string' },
    epochs: { type: 'string' },
    imgsz: { type: 'string' },
    batch: { type: 'string' },
    device: { type: 'string' },
    name: { type: 'string' },
    patience: { type: 'string' },
    seed: { type: 'string' },
    augmentation: { type: 'string' },
    split: { type: 'string' },
    set: { type: 'string', multiple: true },
  });
  const [dir] = positionals;
  if (!dir || positionals.length > 1) throw new UsageError('reticle train DIR --model yolo11n.pt|yolo11n.yaml|PATH/TO.pt --epochs N --imgsz N');
  const request = trainRequest(values);
  const json = Boolean(values.json);
  return withStudio(async (api, studio) => {
    await api.projects.open({ dir: path.resolve(dir) });
    if (request.model.kind === 'pretrained') await ensureWeights(api, request.model.name);
    const run = await follow(api, studio, () => api.training.start(request), json);
    return finishRun(api, run, json);
  });
}

/** A run named by its id, or by its name where that is unique. */
export async function findRun(api: StudioApi, which: string): Promise<RunSummary> {
  const runs = await api.training.list();
  const byId = runs.find((r) => r.id === which);
  if (byId) return byId;
  const byName = runs.filter((r) => r.name === which);
  if (byName.length === 1) return byName[0];
  if (byName.length > 1) throw new StudioError('invalid_input', `${byName.length} runs are named "${which}": name one by its id (reticle runs DIR).`);
  throw new StudioError('not_found', `There is no run "${which}" in this project (reticle runs DIR lists them).`);
}

export async function cmdResume(argv: string[]): Promise<number> {
  const { positionals, values } = parse(argv, {});
  const [dir, which] = positionals;
  if (!dir || !which || positionals.length > 2) throw new UsageError('reticle resume DIR RUN');
  const json = Boolean(values.json);
  return withStudio(async (api, studio) => {
    await api.projects.open({ dir: path.resolve(dir) });
    const target = await findRun(api, which);
    const run = await follow(api, studio, () => api.training.resume({ runId: target.id }), json);
    return finishRun(api, run, json);
  });
}

export async function cmdRuns(argv: string[]): Promise<number> {
  const { positionals, values } = parse(argv, {});
  const [dir, which] = positionals;
  if (!dir || positionals.length > 2) throw new UsageError('reticle runs DIR [RUN]');
  return withStudio(async (api) => {
    await api.projects.open({ dir: path.resolve(dir) });
    if (which) {
      const detail = await api.training.get({ runId: (await findRun(api, which)).id });
      print(Boolean(values.json), detail, formatRunEnd(detail));
      return 0;
    }
    const runs = await api.training.list();
    print(Boolean(values.json), runs, formatRunTable(runs));
    return 0;
  });
}

export async function cmdExportModel(argv: string[]): Promise<number> {
  const { positionals, values } = parse(argv, { format: { type: 'string', default: 'onnx' }, weights: { type: 'string', default: 'best' } });
  const [dir, which] = positionals;
  if (!dir || !which || positionals.length > 2) throw new UsageError('reticle export-model DIR RUN --format onnx');
  const format = values.format as string;
  if (!['onnx', 'torchscript', 'openvino', 'coreml', 'tflite', 'engine'].includes(format)) throw new UsageError('--format is onnx, torchscript, openvino, coreml, tflite or engine');
  if (values.weights !== 'best' && values.weights !== 'last') throw new UsageError('--weights is best or last');
  return withStudio(async (api) => {
    await api.projects.open({ dir: path.resolve(dir) });
    const run = await findRun(api, which);
    process.stderr.write(`exporting ${values.weights}.pt of ${run.name} to ${format}…\n`);
    const artifact = await api.training.exportModel({ runId: run.id, format: format as 'onnx', weights: values.weights as 'best' });
    print(Boolean(values.json), artifact, `Exported ${artifact.path} (${(artifact.bytes / 1e6).toFixed(1)} MB)`);
    return 0;
  });
}

/** A runtime install shows pip's lines as they come, not a progress bar. */
async function waitForRuntimeJob(api: StudioApi, jobId: string): Promise<JobResult> {
  const progress = new ProgressLine('runtime');
  let last = '';
  return waitForJob(api, jobId, progress, (p) => {
    if (!p.current || p.current === last) return;
    last = p.current;
    progress.text(p.current);
  });
}

export async function cmdRuntime(argv: string[]): Promise<number> {
  const [sub, ...rest] = argv;
  if (sub === 'check') {
    const { positionals, values } = parse(rest, { python: { type: 'string' } });
    if (positionals.length > 0) throw new UsageError('reticle runtime check [--python PATH]');
    return withStudio(async (api) => {
      const python = values.python === undefined ? undefined : path.resolve(values.python as string);
      const status: RuntimeStatus = await api.runtime.check({ python });
      print(Boolean(values.json), status, formatRuntimeStatus(status));
      return status.ready ? 0 : 1;
    });
  }
  if (sub === 'install') {
    const { positionals, values } = parse(rest, { recreate: { type: 'boolean' }, reinstall: { type: 'boolean' }, python: { type: 'string' }, accelerator: { type: 'string', default: 'auto' } });
    if (positionals.length > 0) throw new UsageError('reticle runtime install [--recreate|--reinstall] [--python BASE] [--accelerator auto|cuda|mps|cpu]');
    const accelerator = values.accelerator as string;
    if (!['auto', 'cuda', 'mps', 'cpu'].includes(accelerator)) throw new UsageError('--accelerator is auto, cuda, mps or cpu');
    const mode = values.recreate ? 'recreate' : values.reinstall ? 'reinstall' : 'install';
    return withStudio(async (api) => {
      const basePython = values.python === undefined ? undefined : path.resolve(values.python as string);
      const { jobId } = await api.runtime.install({ mode, basePython, accelerator: accelerator as 'auto' });
      const result = await waitForRuntimeJob(api, jobId);
      if (result.status === 'failed') throw new StudioError(result.error.code, result.error.message);
      if (result.kind !== 'runtime') throw new StudioError('internal', 'unexpected job result');
      print(Boolean(values.json), result.report, formatRuntimeStatus(result.report));
      return result.report.ready ? 0 : 1;
    });
  }
  throw new UsageError('reticle runtime check|install');
}
