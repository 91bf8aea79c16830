/**
 * `reticle predict` and `reticle autolabel`: a model's predictions from a terminal, through the
 * same contract as the app's preview and auto-label.
 */
import fs from 'node:fs';
import path from 'node:path';
import { IMAGE_EXTENSIONS } from '../services/media/image-files.js';
import { StudioError, type AutolabelReport, type ImagePrediction, type ModelInfo, type PredictResult } from '@shared';
import { UsageError, parse, print, probability, waitForJob, withStudio } from './common.js';
import { ProgressLine } from './output.js';
import { findRun } from './train-commands.js';
import { ensureWeights } from './weights-commands.js';

/** The contract takes at most this many paths per call. */
const PATHS_PER_CALL = 1000;

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
      ` · on ${r.device} · model ${r.modelId}`,
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
  const conf = probability(values, 'conf') ?? 0.25;
  const iou = probability(values, 'iou') ?? 0.7;
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

/** `--map car=vehicle --map truck=vehicle --map person`: model class → project class (the same name when left out). */
function parseClassMap(items: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const item of items) {
    const eq = item.indexOf('=');
    const from = (eq < 0 ? item : item.slice(0, eq)).trim();
    const to = (eq < 0 ? from : item.slice(eq + 1)).trim();
    if (!from || !to) throw new UsageError(`--map takes MODEL_CLASS=PROJECT_CLASS, or MODEL_CLASS to keep its name (got "${item}")`);
    out[from] = to;
  }
  return out;
}

export async function cmdAutolabel(argv: string[]): Promise<number> {
  const { positionals, values } = parse(argv, {
    model: { type: 'string' },
    run: { type: 'string' },
    weights: { type: 'string' },
    map: { type: 'string', multiple: true },
    conf: { type: 'string' },
    iou: { type: 'string' },
    'create-classes': { type: 'boolean' },
  });
  const [dir] = positionals;
  if (!dir || positionals.length > 1) throw new UsageError('reticle autolabel DIR --model MODEL.onnx : name the project and the model');
  if ([values.model, values.run, values.weights].filter(Boolean).length !== 1) throw new UsageError('name the model with --model MODEL.onnx, --run RUN or --weights yolo11n.pt (one of them)');
  const classMap = values.map ? parseClassMap(values.map as string[]) : undefined;
  const conf = probability(values, 'conf') ?? 0.25;
  const iou = probability(values, 'iou') ?? 0.7;
  return withStudio(async (api) => {
    await api.projects.open({ dir: path.resolve(dir) });
    // A run by its id or its name, as the training commands take it.
    const source = values.model
      ? { modelPath: path.resolve(values.model as string) }
      : values.weights
        ? { weights: (await ensureWeights(api, values.weights as string)).name }
        : { runId: (await findRun(api, values.run as string)).id };
    const progress = new ProgressLine('autolabel');
    const { jobId } = await api.inference.autolabel({ ...source, conf, iou, createClasses: Boolean(values['create-classes']), classMap });
    const result = await waitForJob(api, jobId, progress);
    if (result.status === 'failed') throw new StudioError(result.error.code, result.error.message);
    if (result.kind !== 'autolabel') throw new StudioError('internal', 'unexpected job result');
    print(Boolean(values.json), result.report, formatAutolabelReport(result.report));
    return result.status === 'cancelled' ? 130 : 0;
  });
}
