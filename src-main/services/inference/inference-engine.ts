/**
 * Inference for the studio: loads exported Ultralytics models into the inference worker, maps
 * their classes to the open project's by name, predicts on project images or files, runs
 * auto-label as a job, and keeps the suggestions it makes apart from the annotations until a
 * user accepts (through the AnnotationEditor, like any edit) or rejects them.
 */
import fs from 'node:fs';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import {
  CANDIDATE_FLOOR,
  StudioError,
  type AcceptResult,
  type AnnotationChange,
  type AutolabelReport,
  type ErrorPayload,
  type ExecutionProvider,
  type ImagePrediction,
  type ModelInfo,
  type PredictResult,
  type ReviewQueue,
  type Suggestion,
  EXECUTION_PROVIDERS,
} from '@shared';
import type { AutolabelInput, PredictInput } from '@shared';
import type { z } from 'zod';
import type { ProjectSession, OpenProject } from '../project/project-session.js';
import type { JobRunner } from '../jobs/job-runner.js';
import type { ProjectTraining } from '../training/project-training.js';
import { runPaths } from '../training/run-paths.js';
import type { ProjectStore } from '../store/project-store.js';
import type { InferenceProcessLauncher } from './inference-process.js';
import { InferenceWorkerClient } from './inference-worker-client.js';
import type { NewSuggestion } from '../store/suggestion-repository.js';
import type { ImageOutcome, LoadedModel, PredictOptions } from './worker-protocol.js';
import { mapClasses, mappingFromPlan, planClassMap } from './class-map.js';
import { autolabelGpu, autolabelOnGpu } from './gpu-autolabel.js';
import type { RuntimeManager } from '../runtime/runtime-manager.js';

interface InferenceEvents {
  /** An image's suggestions were added, accepted or rejected. */
  suggestionsChanged(imageId: number): void;
  /** Accepting suggestions added annotations to an image. */
  annotationsChanged(imageId: number): void;
  /** Auto-label created classes for a model's names. */
  classesChanged(): void;
}

interface InferenceEngineOptions {
  session: ProjectSession;
  /** The open project's jobs: auto-label runs as one. */
  jobs: JobRunner;
  /** Resolves a training run to its exported model. */
  training?: ProjectTraining;
  /** The ONNX export of weights in the studio's library, by name (made once, through the runtime). */
  weightsModel?: (name: string, signal?: AbortSignal) => Promise<string>;
  /** The `.pt` file of library weights, by name, or null. */
  weightsFile?: (name: string) => string | null;
  /** The training runtime: auto-label runs on its PyTorch when it has a GPU (gpu-autolabel.ts). */
  runtime?: RuntimeManager;
  events: InferenceEvents;
  /**
   * Execution providers to try, best first (the CPU is always the last resort). Default: CUDA on
   * Linux, DirectML on Windows, Core ML on macOS; `RETICLE_INFERENCE_PROVIDERS=cpu` overrides.
   */
  providers?: ExecutionProvider[];
  /** The worker script (tests); default: shipped beside the bundle or built from the sources. */
  workerScript?: string;
  /** How the worker's process starts: the desktop app's utility process; default a Node fork. */
  launchWorker?: InferenceProcessLauncher;
}

/** Images sent to the worker at once: small enough for progress and cancel to feel immediate. */
const CHUNK = 8;

function defaultProviders(platform = process.platform, env = process.env): ExecutionProvider[] {
  const override = env.RETICLE_INFERENCE_PROVIDERS?.split(',').map((s) => s.trim().toLowerCase()).filter(Boolean);
  if (override?.length) return override.filter((p): p is ExecutionProvider => (EXECUTION_PROVIDERS as readonly string[]).includes(p));
  if (platform === 'linux') return ['cuda', 'cpu'];
  if (platform === 'win32') return ['dml', 'cpu'];
  if (platform === 'darwin') return ['coreml', 'cpu'];
  return ['cpu'];
}

type Predict = z.output<typeof PredictInput>;
type ModelSource = { path?: string; modelPath?: string; runId?: string; weights?: string };
type Autolabel = z.output<typeof AutolabelInput>;

export class InferenceEngine {
  private readonly worker: InferenceWorkerClient;
  private readonly providers: ExecutionProvider[];
  private readonly loaded = new Map<string, { model: LoadedModel; mtimeMs: number; size: number; worker: number }>();

  constructor(private readonly options: InferenceEngineOptions) {
    this.worker = new InferenceWorkerClient({ script: options.workerScript, launch: options.launchWorker });
    this.providers = options.providers ?? defaultProviders();
  }

  /** The worker, for benchmarks and tests (its start count). */
  get workerClient(): InferenceWorkerClient {
    return this.worker;
  }

  /**
   * Loads a model (cached by the worker) and maps its classes to the open project's.
   * @throws StudioError `not_found` (no file, no run export), `invalid_input` (not ONNX),
   *   `unsupported` (an output Reticle cannot read)
   */
  async loadModel(source: ModelSource): Promise<ModelInfo> {
    return this.describe(await this.load(await this.resolveModel(source)));
  }

  /**
   * The worker's model, loaded and warmed up. Remembered here while the file and the worker are
   * the same, so a predict costs no extra round trip.
   */
  private async load(file: string): Promise<LoadedModel> {
    let stat: fs.Stats | null = null;
    try {
      stat = fs.statSync(file);
    } catch {
      // The worker says what is wrong with the path.
    }
    const known = this.loaded.get(file);
    if (known && stat && known.mtimeMs === stat.mtimeMs && known.size === stat.size && known.worker === this.worker.starts) return known.model;
    const model = await this.worker.request<LoadedModel>({ type: 'load', path: file, providers: this.providers });
    if (stat) this.loaded.set(file, { model, mtimeMs: stat.mtimeMs, size: stat.size, worker: this.worker.starts });
    return model;
  }

  /** Predicts on project images or files; an image that fails carries `error`, the others still come. */
  async predict(input: Predict): Promise<PredictResult> {
    const model = await this.loadModel(input);
    const options = this.predictOptions(model, input);
    type Target = { where: { path?: string; imageId?: number }; file?: string; error?: ErrorPayload };
    let targets: Target[];
    if (input.paths) {
      targets = input.paths.map((p) => ({ where: { path: path.resolve(p) }, file: path.resolve(p) }));
    } else {
      const project = this.options.session.require();
      targets = (input.imageIds ?? []).map((id) => {
        const l = this.locate(project, id);
        return 'file' in l ? { where: { imageId: id }, file: l.file } : { where: { imageId: id }, error: l.error };
      });
    }
    const images: ImagePrediction[] = [];
    // Chunks keep one request ahead, so the worker decodes the next images while it runs these.
    const send = (i: number) => {
      const chunk = targets.slice(i, i + CHUNK);
      const files = chunk.filter((t) => t.file).map((t) => t.file!);
      const outcomes = files.length ? this.run(model.path, files, options) : Promise.resolve([]);
      outcomes.catch(() => undefined);
      return { i, chunk, outcomes };
    };
    let next = targets.length ? send(0) : null;
    while (next) {
      const current = next;
      next = current.i + CHUNK < targets.length ? send(current.i + CHUNK) : null;
      const outcomes = await current.outcomes;
      let k = 0;
      for (const t of current.chunk) {
        images.push(t.file ? toPrediction(outcomes[k++], t.where) : { ...t.where, width: 0, height: 0, timings: zeroTimings(), error: t.error });
      }
    }
    return { model, images };
  }

  /**
   * Starts auto-label: predicts on the images (default: every unlabeled one) and stores what
   * clears `conf` as suggestions, replacing the images' earlier ones. Classes the project lacks
   * are left out and reported.
   */
  autolabel(input: Autolabel): { jobId: string } {
    const project = this.options.session.require();
    // A file or a run is found now, so a wrong one fails the call; library weights may need
    // their ONNX export first, which the job does, with its progress.
    const local = input.weights ? null : this.resolveLocal(input);
    const ids = input.imageIds ?? this.unlabeledIds(project.store);
    const repo = project.store.suggestions;
    const { jobId } = this.options.jobs.start('autolabel', async (job) => {
      const started = performance.now();
      job.progress({ phase: 'scanning', done: 0, total: ids.length, current: input.weights ? `preparing ${input.weights} (exported to ONNX once)` : undefined });
      const file = local ?? (await this.resolveModel(input, job.signal));
      const loaded = await this.load(file);
      let model = this.describe(loaded);
      if (model.task !== project.info.task) {
        throw new StudioError(
          'invalid_input',
          model.task === 'detect'
            ? 'This model detects boxes, but the project classifies whole images: use a classification model.'
            : 'This model classifies whole images, but the project draws boxes: use a detection model.',
        );
      }
      let classesCreated: string[] = [];
      if (input.classMap) {
        // Checked whole before a class is made or a suggestion written.
        const plan = planClassMap(loaded.names, project.store.classes.list(), input.classMap);
        if (plan.create.length && !job.signal.aborted) {
          classesCreated = project.store.classes.ensure(plan.create).created;
          this.options.events.classesChanged();
        }
        model = { ...model, classMapping: mappingFromPlan(loaded.names, plan, project.store.classes.list()), unmatched: [] };
      } else if (input.createClasses && model.unmatched.length && !job.signal.aborted) {
        classesCreated = project.store.classes.ensure(model.unmatched).created;
        this.options.events.classesChanged();
        model = this.describe(loaded);
      }
      const options = this.predictOptions(model, { ...input, topK: model.names.length, candidates: false });
      const report: AutolabelReport = {
        modelId: model.id,
        images: 0,
        suggestions: 0,
        failed: [],
        unmatched: model.unmatched,
        classesCreated,
        durationMs: 0,
        cancelled: false,
        device: `${loaded.provider} (onnxruntime)`,
      };
      // One transaction (one disk sync) per batch of images.
      const store = (batch: { imageId: number; outcome: ImageOutcome }[]) => {
        const writes: { imageId: number; suggestions: NewSuggestion[] }[] = [];
        for (const { imageId, outcome } of batch) {
          if (!outcome.ok) report.failed.push({ imageId, reason: outcome.error.message });
          else writes.push({ imageId, suggestions: this.toSuggestions(outcome, project.info.multiLabel, options.conf) });
        }
        report.suggestions += repo.replaceForImages(model.id, writes);
        report.images += writes.length;
        for (const w of writes) this.options.events.suggestionsChanged(w.imageId);
      };
      const gpu = await autolabelGpu(this.options.runtime);
      const weights = gpu ? this.weightsFile(input) : null;
      if (gpu && weights && this.options.runtime && !job.signal.aborted) {
        const located = ids.map((id) => this.locate(project, id));
        for (const l of located) if ('error' in l) report.failed.push({ imageId: l.id, reason: l.error.message });
        const ran = await autolabelOnGpu({
          runtime: this.options.runtime,
          weights,
          device: gpu,
          targets: located.filter((l): l is { id: number; file: string; name: string } => 'file' in l),
          conf: options.conf,
          iou: options.iou,
          imgsz: Math.max(...loaded.imgsz),
          maxDet: input.maxDet,
          classIds: options.classIds,
          signal: job.signal,
          write: (batch) => store(batch.map((b) => ({ imageId: b.target.id, outcome: b.outcome }))),
          progress: (done, current) => job.progress({ phase: 'working', done, total: ids.length, current }),
        });
        report.device = `${ran.device} (PyTorch)`;
        report.cancelled = ran.cancelled;
        report.durationMs = performance.now() - started;
        return report;
      }
      // One chunk is always on its way to the worker while the last one's results are stored,
      // so the worker never waits for us (it decodes the next images while it runs this one).
      const send = (i: number) => {
        const located = ids.slice(i, i + CHUNK).map((id) => this.locate(project, id));
        const found = located.filter((l): l is { id: number; file: string; name: string } => 'file' in l);
        const outcomes = found.length ? this.run(file, found.map((l) => l.file), options) : Promise.resolve([]);
        outcomes.catch(() => undefined); // awaited below; not unhandled while the previous chunk is stored
        return { i, located, found, outcomes };
      };
      let next = ids.length ? send(0) : null;
      while (next) {
        const current = next;
        if (job.signal.aborted) {
          report.cancelled = true;
          break;
        }
        next = current.i + CHUNK < ids.length ? send(current.i + CHUNK) : null;
        const outcomes = await current.outcomes;
        // The project may be closing: what came back after the cancel is not written.
        if (job.signal.aborted) {
          report.cancelled = true;
          break;
        }
        for (const l of current.located) if ('error' in l) report.failed.push({ imageId: l.id, reason: l.error.message });
        store(outcomes.map((outcome, k) => ({ imageId: current.found[k].id, outcome })));
        job.progress({ phase: 'working', done: Math.min(current.i + CHUNK, ids.length), total: ids.length, current: current.found.at(-1)?.name });
      }
      report.durationMs = performance.now() - started;
      return report;
    });
    return { jobId };
  }

  forImage(imageId: number): Suggestion[] {
    const { store } = this.options.session.require();
    store.images.get(imageId);
    return store.suggestions.forImage(imageId);
  }

  /**
   * Turns suggestions into annotations through the AnnotationEditor (one change per image, as a
   * gesture would be), with source 'model', then deletes them. Ids no longer pending are skipped.
   */
  accept(ids: readonly string[]): AcceptResult {
    const project = this.options.session.require();
    const repo = project.store.suggestions;
    const byImage = new Map<number, Suggestion[]>();
    for (const s of repo.byIds([...new Set(ids)])) {
      const list = byImage.get(s.imageId);
      if (list) list.push(s);
      else byImage.set(s.imageId, [s]);
    }
    const result: AcceptResult = { accepted: [], annotationIds: [] };
    for (const [imageId, suggestions] of byImage) {
      const existingTags = new Set(project.store.annotations.forImage(imageId).filter((a) => a.kind === 'tag').map((a) => a.classId));
      const changes: AnnotationChange[] = [];
      const done: AcceptResult['accepted'] = [];
      for (const s of suggestions) {
        // A multi-label image that has the class's tag already: nothing to add.
        if (s.kind === 'tag' && project.info.multiLabel && existingTags.has(s.classId)) continue;
        const annotationId = randomUUID();
        changes.push({
          op: 'create',
          annotation: s.kind === 'box' ? { id: annotationId, classId: s.classId, kind: 'box', x: s.x, y: s.y, w: s.w, h: s.h, source: 'model' } : { id: annotationId, classId: s.classId, kind: 'tag', source: 'model' },
        });
        if (s.kind === 'tag') existingTags.add(s.classId);
        done.push({ suggestionId: s.id, annotationId, imageId });
      }
      if (changes.length) {
        project.editor.apply(imageId, changes);
        this.options.events.annotationsChanged(imageId);
      }
      repo.delete(suggestions.map((s) => s.id));
      this.options.events.suggestionsChanged(imageId);
      result.accepted.push(...done);
      result.annotationIds.push(...done.map((d) => d.annotationId));
    }
    return result;
  }

  /** Accepts an image's suggestions whose confidence is at least `minConfidence`. */
  acceptAbove(imageId: number, minConfidence: number): AcceptResult {
    return this.accept(this.forImage(imageId).filter((s) => s.confidence >= minConfidence).map((s) => s.id));
  }

  reject(ids: readonly string[]): { rejected: number } {
    const { store } = this.options.session.require();
    const repo = store.suggestions;
    const images = new Set(repo.byIds(ids).map((s) => s.imageId));
    const rejected = repo.delete(ids);
    for (const imageId of images) this.options.events.suggestionsChanged(imageId);
    return { rejected };
  }

  reviewQueue(limit: number, offset: number): ReviewQueue {
    return this.options.session.require().store.suggestions.reviewQueue(limit, offset);
  }

  /** Frees a model's session in the worker. */
  async unload(file: string): Promise<void> {
    await this.worker.request({ type: 'unload', path: path.resolve(file) });
  }

  /** Times `session.run` alone, in the worker, on one image's prepared tensor (bench/predict.ts). */
  benchmarkRun(model: string, image: string, runs: number): Promise<{ runs: number[] }> {
    return this.worker.request({ type: 'benchmark', path: path.resolve(model), providers: this.providers, image: path.resolve(image), runs });
  }

  dispose(): Promise<void> {
    return this.worker.dispose();
  }

  // --- helpers ------------------------------------------------------------------------------

  private async resolveModel(source: ModelSource, signal?: AbortSignal): Promise<string> {
    if (!source.weights) return this.resolveLocal(source);
    if (!this.options.weightsModel) throw new StudioError('unsupported', 'This studio has no weights library.');
    return this.options.weightsModel(source.weights, signal);
  }

  /** The PyTorch weights behind a model source (a run's best.pt, library weights), or null. */
  private weightsFile(source: ModelSource): string | null {
    if (source.weights) return this.options.weightsFile?.(source.weights) ?? null;
    if (!source.runId) return null;
    const best = runPaths(this.options.session.require().store.paths.runs, source.runId).best;
    return fs.existsSync(best) ? best : null;
  }

  /** A model file, or a run's export. */
  private resolveLocal(source: ModelSource): string {
    const given = source.path ?? source.modelPath;
    if (given) return path.resolve(given);
    if (!source.runId) throw new StudioError('invalid_input', 'Name a model file, a training run or library weights.');
    return this.runModel(source.runId);
  }

  /** A run's exported best.onnx: the artifact the export recorded, else the file beside best.pt. */
  private runModel(runId: string): string {
    const project = this.options.session.require();
    let name = runId;
    if (this.options.training) {
      const run = this.options.training.current().get(runId);
      name = run.name;
      const onnx = run.artifacts.filter((a) => a.kind === 'onnx' && fs.existsSync(a.path));
      const best = onnx.find((a) => /best/i.test(path.basename(a.path))) ?? onnx[0];
      if (best) return best.path;
    }
    const beside = runPaths(project.store.paths.runs, runId).best.replace(/\.pt$/, '.onnx');
    if (fs.existsSync(beside)) return beside;
    throw new StudioError('not_found', `Run "${name}" has no ONNX model yet: export it to ONNX first, then use it here.`);
  }

  private describe(loaded: LoadedModel): ModelInfo {
    const classes = this.options.session.project?.store.classes.list() ?? [];
    const classMapping = mapClasses(loaded.names, classes);
    return {
      id: loaded.hash,
      path: loaded.path,
      task: loaded.task,
      format: loaded.format,
      names: loaded.names,
      imgsz: loaded.imgsz,
      provider: loaded.provider,
      providerFallbacks: loaded.providerFallbacks,
      classMapping,
      unmatched: this.options.session.project ? classMapping.filter((m) => m.classId === null).map((m) => m.modelName) : [],
      bytes: loaded.bytes,
      loadMs: loaded.loadMs,
    };
  }

  private predictOptions(model: ModelInfo, input: { conf: number; iou: number; maxDet: number; topK?: number; candidates?: boolean }): PredictOptions {
    return {
      conf: input.conf,
      iou: input.iou,
      maxDet: input.maxDet,
      topK: input.topK ?? 5,
      // Candidates below conf are kept only for the preview's sliders; otherwise they are cut
      // before sorting and NMS, as Ultralytics does.
      floor: input.candidates ? Math.min(CANDIDATE_FLOOR, input.conf) : input.conf,
      candidates: input.candidates ?? false,
      classIds: model.classMapping.map((m) => m.classId),
    };
  }

  private run(model: string, files: string[], options: PredictOptions): Promise<ImageOutcome[]> {
    return this.worker.request<ImageOutcome[]>({ type: 'predict', path: model, providers: this.providers, images: files, options });
  }

  private locate(project: OpenProject, id: number): { id: number; file: string; name: string } | { id: number; error: ErrorPayload } {
    const stored = project.store.images.stored(id);
    if (!stored) return { id, error: { code: 'not_found', message: `There is no image with id ${id} in this project.` } };
    return { id, file: project.media.mediaPath(stored.hash, stored.ext), name: project.store.images.get(id).name };
  }

  private unlabeledIds(store: ProjectStore): number[] {
    const total = store.images.count();
    return store.images.list({ kind: 'unlabeled' }, 0, Math.max(total, 1)).items.map((i) => i.id);
  }

  private toSuggestions(outcome: Extract<ImageOutcome, { ok: true }>, multiLabel: boolean, conf: number): NewSuggestion[] {
    const out: NewSuggestion[] = [];
    for (const d of outcome.detections ?? []) {
      if (d.classId === null || !(d.w > 0) || !(d.h > 0)) continue;
      out.push({ classId: d.classId, kind: 'box', x: d.x, y: d.y, w: d.w, h: d.h, confidence: d.confidence });
    }
    // Single-label: the most probable class or nothing; multi-label: every class above conf.
    const top = (multiLabel ? (outcome.top ?? []) : (outcome.top ?? []).slice(0, 1)).filter((t) => t.classId !== null && t.confidence > conf);
    for (const t of top) out.push({ classId: t.classId!, kind: 'tag', confidence: t.confidence });
    return out;
  }
}

function zeroTimings() {
  return { decode: 0, preprocess: 0, inference: 0, postprocess: 0 };
}

function toPrediction(o: ImageOutcome, where: { path?: string; imageId?: number }): ImagePrediction {
  if (!o.ok) return { ...where, width: 0, height: 0, timings: o.timings, error: o.error };
  return { ...where, width: o.width, height: o.height, detections: o.detections, top: o.top, candidates: o.candidates, timings: o.timings };
}
