/**
 * `reticle predict` and `reticle autolabel`: a model's predictions from a terminal, through the
 * same contract as the app's preview and auto-label.
 */
import fs from 'node:fs';
import path from 'node:path';
import { IMAGE_EXTENSIONS } from '../services/media/image-files.js';
import { StudioError, type AutolabelReport, type ImagePrediction, type ModelInfo, type PredictResult } from '@shared';
import { UsageError, parse, print, waitForJob, withStudio, type Flags } from './common.js';
import { ProgressLine } from './output.js';
import { findRun } from './train-commands.js';

/** The contract takes at most this many paths per call. */
const PATHS_PER_CALL = 1000;

function probability(values: Flags, name: string, fallback: number): number {
  const raw = values[name];
  if (raw === undefined) return fallback;
  const n = Number(raw);
  if (!Number.isFinite(n) || n < 0 || n > 1) throw new UsageError(`--${name} is a number from 0 to 1`);
  return n;
}

/** Image files named directly, and those inside folders (recursively), in name order. */
function collectImages(args: readonly string[]): string[] {
  const out: string[] = [];
  const walk = (dir: string) => {
    for (const e of fs.readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      const p = path.join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else if (IMAGE_EXTENSIONS.has(path.extname(e.name).toLowerCase())) out.push(p);
    }
  };
  for (const arg of args) {
    const p = path.resolve(arg);
    if (!fs.existsSync(p)) throw new UsageError(`${arg} does not exist`);
    if (fs.statSync(p).isDirectory()) walk(p);
    else out.push(p);
  }
  return out;
}

function fmt(n: number): string {
  return n.toFixed(1);
}

function describeModel(m: ModelInfo): string {
  return `model: ${path.basename(m.path)} (${m.task}, ${m.names.length} classes, ${m.imgsz[1]}×${m.imgsz[0]}, ${m.format}, on ${m.provider})`;
}

function formatPrediction(p: ImagePrediction, base = process.cwd()): string {
  const name = p.path ? path.relative(base, p.path) || p.path : `image ${p.imageId}`;
  if (p.error) return `${name}: error: ${p.error.message}`;
  const t = p.timings;
  const ms = ` (${fmt(t.decode + t.preprocess + t.inference + t.postprocess)} ms)`;
  if (p.top) {
    const lines = [`${name}  ${p.width}×${p.height}${ms}`];
    p.top.forEach((c, i) => lines.push(`  ${i + 1}. ${c.className}  ${c.confidence.toFixed(3)}`));
    return lines.join('\n');
  }
  const dets = p.detections ?? [];
  const lines = [`${name}  ${p.width}×${p.height}  ${dets.length} detection${dets.length === 1 ? '' : 's'}${ms}`];
  const width = Math.max(0, ...dets.map((d) => d.className.length));
  for (const d of dets) {
    lines.push(`  ${d.className.padEnd(width)}  ${d.confidence.toFixed(3)}  [${fmt(d.x)}, ${fmt(d.y)}, ${fmt(d.x + d.w)}, ${fmt(d.y + d.h)}]`);
  }
  return lines.join('\n');
}

function formatAutolabelReport(r: AutolabelReport): string {
  const lines = [
    `${r.cancelled ? 'Auto-label cancelled' : 'Auto-labeled'}: ${r.images} images, ${r.suggestions} suggestions in ${(r.durationMs / 1000).toFixed(1)} s` +
      (r.images > 0 && r.durationMs > 0 ? ` (${((r.images * 1000) / r.durationMs).toFixed(1)} images/s)` : '') +
      ` · model ${r.modelId}`,
  ];
  if (r.classesCreated.length) lines.push(`  new classes: ${r.classesCreated.join(', ')}`);
  else if (r.unmatched.length) lines.push(`  not in the project, left out: ${r.unmatched.join(', ')} (--create-classes makes them)`);
  for (const f of r.failed.slice(0, 50)) lines.push(`  failed: image ${f.imageId}: ${f.reason}`);
  if (r.failed.length > 50) lines.push(`  … and ${r.failed.length - 50} more (use --json for all)`);
  if (r.suggestions > 0) lines.push('  review them in the app, or accept them there in bulk');
  return lines.join('\n');
}

export async function cmdPredict(argv: string[]): Promise<number> {
  const { positionals, values } = parse(argv, { conf: { type: 'string' }, iou: { type: 'string' } });
  const [modelArg, ...inputs] = positionals;
  if (!modelArg || inputs.length === 0) throw new UsageError('reticle predict MODEL.onnx IMAGE|DIR... : name a model and what to predict on');
  const conf = probability(values, 'conf', 0.25);
  const iou = probability(values, 'iou', 0.7);
  const images = collectImages(inputs);
  if (images.length === 0) throw new UsageError(`no image files (${[...IMAGE_EXTENSIONS].join(' ')}) in ${inputs.join(', ')}`);
  const json = Boolean(values.json);
  return withStudio(async (api) => {
    let result: PredictResult | null = null;
    for (let i = 0; i < images.length; i += PATHS_PER_CALL) {
      const part = await api.inference.predict({ modelPath: path.resolve(modelArg), paths: images.slice(i, i + PATHS_PER_CALL), conf, iou });
      if (result) result.images.push(...part.images);
      else {
        result = part;
        if (!json) process.stdout.write(`${describeModel(part.model)}\n`);
      }
      if (!json) for (const p of part.images) process.stdout.write(`${formatPrediction(p)}\n`);
    }
    if (json) print(true, result, '');
    const failed = result!.images.filter((p) => p.error).length;
    if (failed && !json) process.stderr.write(`reticle predict: ${failed} of ${images.length} images could not be read\n`);
    return failed ? 1 : 0;
  });
}

export async function cmdAutolabel(argv: string[]): Promise<number> {
  const { positionals, values } = parse(argv, {
    model: { type: 'string' },
    run: { type: 'string' },
    conf: { type: 'string' },
    iou: { type: 'string' },
    'create-classes': { type: 'boolean' },
  });
  const [dir] = positionals;
  if (!dir || positionals.length > 1) throw new UsageError('reticle autolabel DIR --model MODEL.onnx : name the project and the model');
  if (Boolean(values.model) === Boolean(values.run)) throw new UsageError('name the model with --model MODEL.onnx or --run RUN (one of them)');
  const conf = probability(values, 'conf', 0.25);
  const iou = probability(values, 'iou', 0.7);
  return withStudio(async (api) => {
    await api.projects.open({ dir: path.resolve(dir) });
    // A run by its id or its name, as the training commands take it.
    const source = values.model ? { modelPath: path.resolve(values.model as string) } : { runId: (await findRun(api, values.run as string)).id };
    const progress = new ProgressLine('autolabel');
    const { jobId } = await api.inference.autolabel({ ...source, conf, iou, createClasses: Boolean(values['create-classes']) });
    const result = await waitForJob(api, jobId, progress);
    if (result.status === 'failed') throw new StudioError(result.error.code, result.error.message);
    if (result.kind !== 'autolabel') throw new StudioError('internal', 'unexpected job result');
    print(Boolean(values.json), result.report, formatAutolabelReport(result.report));
    return result.status === 'cancelled' ? 130 : 0;
  });
}
