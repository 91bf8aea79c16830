/**
 * One ONNX model in ONNX Runtime: created on the best execution provider that works, checked
 * (its metadata and the shape of a real output), warmed up with one run, then used to predict.
 * Runs inside the inference worker: `session.run` is synchronous on the calling thread.
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';
import { regularFileOrThrow } from '../media/regular-files.js';
import { createRequire } from 'node:module';
import ort from 'onnxruntime-node';
import {
  CANDIDATE_FLOOR,
  StudioError,
  filterDetections,
  toErrorPayload,
  type Classification,
  type DetectionCandidates,
  type ExecutionProvider,
  type PredictTimings,
} from '@shared';
import { classifyTensor } from './classify-transform.js';
import { decodeForInference } from './image-decode.js';
import { letterboxTensor, type RgbImage } from './letterbox.js';
import { SimdLetterbox } from './letterbox-simd.js';
import { decodeClassify, decodeDetect, decodeEnd2end, outputLayout, topK, type OutputLayout } from './model-output.js';
import { readOnnxMetadata, ultralyticsMetadata } from './onnx-metadata.js';
import type { ImageOutcome, LoadedModel, PredictOptions } from './worker-protocol.js';

/** The input size when neither the model's input nor its metadata says one. */
const DEFAULT_IMGSZ = 640;

const ORT_NAMES: Record<ExecutionProvider, string> = { cpu: 'cpu', cuda: 'cuda', dml: 'dml', coreml: 'coreml' };

/** Why a provider cannot be tried in this build, or null when it can. */
function providerUnavailable(provider: ExecutionProvider): string | null {
  if (provider === 'cpu') return null;
  const listed = ort.listSupportedBackends().map((b) => b.name);
  if (!listed.includes(ORT_NAMES[provider])) return `this onnxruntime-node build has no ${provider} provider`;
  if (provider === 'cuda') {
    // The CUDA provider is a separate download; without it ORT fails loudly on stderr.
    try {
      const binding = path.dirname(createRequire(import.meta.url).resolve('onnxruntime-node'));
      const dir = path.join(binding, '..', 'bin', 'napi-v6', process.platform, process.arch);
      if (!fs.existsSync(path.join(dir, 'libonnxruntime_providers_cuda.so'))) return 'the CUDA provider library is not installed with onnxruntime-node';
    } catch {
      return 'cannot find the onnxruntime-node binaries';
    }
  }
  return null;
}

const now = () => performance.now();

export class ModelSession {
  /** The input tensor's buffer, reused: `exclusive` keeps one image at a time in it. */
  private input: Float32Array | null = null;
  /** The letterbox on WebAssembly SIMD (its memory holds the input tensor); null without SIMD. */
  private simd: SimdLetterbox | null | undefined;
  private turn: Promise<unknown> = Promise.resolve();

  private constructor(
    private readonly session: ort.InferenceSession,
    readonly info: LoadedModel,
    readonly layout: OutputLayout,
    readonly mtimeMs: number,
    private readonly inputName: string,
    private readonly outputName: string,
  ) {}

  /**
   * Loads a model, trying the providers in order and falling back to the next (the CPU last).
   * @throws StudioError `not_found`, `invalid_input` (not an ONNX model) or `unsupported` (an
   *   output Reticle cannot read)
   */
  static async load(file: string, providers: readonly ExecutionProvider[]): Promise<ModelSession> {
    const started = now();
    let bytes: Buffer;
    let mtimeMs: number;
    try {
      const stat = await fsp.stat(file);
      if (stat.isDirectory()) throw new StudioError('invalid_input', `${file} is a folder, not an ONNX model.`);
      // A pipe or a device (a link to /dev/zero) would be read forever: refused, never opened.
      if (!stat.isFile()) await regularFileOrThrow(file, `The model ${file}`);
      mtimeMs = stat.mtimeMs;
      bytes = await fsp.readFile(file);
    } catch (err) {
      if (err instanceof StudioError) throw err;
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw new StudioError('not_found', `There is no model file at ${file}.`);
      throw new StudioError('io', `Cannot read ${file}: ${(err as Error).message}`, { cause: err });
    }
    const name = path.basename(file);
    let props: Map<string, string>;
    try {
      props = readOnnxMetadata(bytes);
    } catch (err) {
      throw new StudioError('invalid_input', `${name} is not an ONNX model: ${(err as Error).message}.`, { cause: err });
    }
    const meta = ultralyticsMetadata(props);

    const order: ExecutionProvider[] = [...new Set<ExecutionProvider>([...providers, 'cpu'])];
    const fallbacks: LoadedModel['providerFallbacks'] = [];
    let session: ort.InferenceSession | null = null;
    let provider: ExecutionProvider = 'cpu';
    for (const p of order) {
      const why = providerUnavailable(p);
      if (why) {
        fallbacks.push({ provider: p, reason: why });
        continue;
      }
      try {
        session = await ort.InferenceSession.create(bytes, {
          executionProviders: [ORT_NAMES[p]],
          graphOptimizationLevel: 'all',
          logSeverityLevel: 3,
          // ORT's pool threads otherwise spin between runs, taking the cores that decode and
          // letterbox the next image (and the app's UI) need.
          extra: { session: { intra_op: { allow_spinning: '0' } } },
        });
        provider = p;
        break;
      } catch (err) {
        const message = firstLine(err instanceof Error ? err.message : String(err));
        // A file ORT cannot parse fails the same way on every provider.
        if (p === 'cpu' || /protobuf|parse|load model|invalid model|model_path|ModelProto/i.test(message)) {
          throw new StudioError('invalid_input', `${name} is not a usable ONNX model: ${message}`, { cause: err });
        }
        fallbacks.push({ provider: p, reason: message });
      }
    }
    if (!session) throw new StudioError('internal', `No execution provider could run ${name}.`);

    try {
      const input = session.inputMetadata[0];
      if (!input || session.inputNames.length !== 1) throw new StudioError('unsupported', `${name} takes ${session.inputNames.length} inputs; a YOLO model takes one image.`);
      if (input.isTensor && input.type !== 'float32') {
        throw new StudioError('unsupported', `${name} takes ${input.type} input; Reticle runs float32 models (export without half=True).`);
      }
      const dims = input.isTensor ? input.shape : [];
      if (dims.length !== 4 || (typeof dims[1] === 'number' && dims[1] !== 3)) {
        throw new StudioError('unsupported', `${name} takes input of shape (${dims.join(', ')}); a YOLO model takes (1, 3, height, width).`);
      }
      const fixed = typeof dims[2] === 'number' && typeof dims[3] === 'number' ? ([dims[2], dims[3]] as [number, number]) : null;
      const imgsz = fixed ?? meta.imgsz ?? [DEFAULT_IMGSZ, DEFAULT_IMGSZ];
      // Warm-up: one run on a grey image, whose output also tells the layout for certain.
      const warm = new Float32Array(3 * imgsz[0] * imgsz[1]).fill(114 / 255);
      const out = await session.run({ [session.inputNames[0]]: new ort.Tensor('float32', warm, [1, 3, imgsz[0], imgsz[1]]) });
      const outputName = session.outputNames[0];
      const tensor = out[outputName];
      if (tensor.type !== 'float32') throw new StudioError('unsupported', `${name} gives ${tensor.type} output; Reticle reads float32.`);
      const outputDims = [...tensor.dims];
      const layout = outputLayout(outputDims, meta);
      const names =
        meta.names && meta.names.length === layout.classes ? meta.names : Array.from({ length: layout.classes || (meta.names?.length ?? 0) }, (_, i) => meta.names?.[i] ?? `class ${i}`);
      const info: LoadedModel = {
        path: file,
        hash: createHash('sha256').update(bytes).digest('hex').slice(0, 16),
        bytes: bytes.length,
        task: layout.task,
        format: layout.format,
        names,
        imgsz,
        provider,
        providerFallbacks: fallbacks,
        loadMs: now() - started,
        outputDims,
      };
      return new ModelSession(session, info, layout, mtimeMs, session.inputNames[0], outputName);
    } catch (err) {
      await session.release().catch(() => undefined);
      if (err instanceof StudioError) throw err;
      throw new StudioError('unsupported', `${name} could not be run: ${firstLine((err as Error).message)}`, { cause: err });
    }
  }

  /**
   * Runs `fn` when no other preparation or run of this model is under way: requests that arrive
   * together (a preview during auto-label) take turns with the shared input buffer.
   */
  exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const result = this.turn.then(fn);
    this.turn = result.catch(() => undefined);
    return result;
  }

  /** The model input for an image (in the shared buffer: call inside `exclusive`). */
  prepare(image: RgbImage) {
    const [h, w] = this.info.imgsz;
    if (this.layout.task === 'classify') return { tensor: classifyTensor(image, [h, w]), params: null };
    if (this.simd === undefined) this.simd = SimdLetterbox.create();
    if (this.simd) return this.simd.tensor(image, [h, w]);
    this.input ??= new Float32Array(3 * h * w);
    return letterboxTensor(image, [h, w], this.input);
  }

  async run(tensor: Float32Array): Promise<{ data: Float32Array; dims: number[] }> {
    const [h, w] = this.info.imgsz;
    const out = await this.session.run({ [this.inputName]: new ort.Tensor('float32', tensor, [1, 3, h, w]) });
    const t = out[this.outputName];
    return { data: t.data as Float32Array, dims: [...t.dims] };
  }

  /** Decodes, prepares, runs and post-processes one image; failures become an outcome, not a throw. */
  async predict(decoded: Promise<{ image: RgbImage; ms: number }>, options: PredictOptions): Promise<ImageOutcome> {
    const timings: PredictTimings = { decode: 0, preprocess: 0, inference: 0, postprocess: 0 };
    let image: RgbImage;
    try {
      const d = await decoded;
      image = d.image;
      timings.decode = d.ms;
    } catch (err) {
      return { ok: false, error: toErrorPayload(err), timings };
    }
    try {
      const { out, params } = await this.exclusive(async () => {
        let t = now();
        const prepared = this.prepare(image);
        timings.preprocess = now() - t;
        t = now();
        const result = await this.run(prepared.tensor);
        timings.inference = now() - t;
        return { out: result, params: prepared.params };
      });
      const t = now();
      const result = this.postprocess(out, params, image, options);
      timings.postprocess = now() - t;
      return { ok: true, width: image.width, height: image.height, ...result, timings };
    } catch (err) {
      return { ok: false, error: toErrorPayload(err), timings };
    }
  }

  private postprocess(
    out: { data: Float32Array; dims: number[] },
    params: ReturnType<ModelSession['prepare']>['params'],
    image: RgbImage,
    options: PredictOptions,
  ): Pick<Extract<ImageOutcome, { ok: true }>, 'detections' | 'top' | 'candidates'> {
    const names = this.info.names;
    if (this.layout.task === 'classify') {
      const probs = decodeClassify(out.data);
      const top: Classification[] = topK(probs, options.topK).map(({ classIndex, confidence }) => ({
        classIndex,
        className: names[classIndex] ?? `class ${classIndex}`,
        classId: options.classIds[classIndex] ?? null,
        confidence,
      }));
      return { top };
    }
    if (!params) throw new StudioError('internal', 'a detection model without letterbox parameters');
    const floor = Math.min(options.floor, options.conf);
    const raw = this.layout.format === 'yolo-end2end' ? decodeEnd2end(out.data, out.dims, params, floor) : decodeDetect(out.data, out.dims, params, floor);
    const candidates: DetectionCandidates = {
      nms: raw.nms,
      width: image.width,
      height: image.height,
      floor,
      maxDet: options.maxDet,
      names,
      classIds: names.map((_, i) => options.classIds[i] ?? null),
      data: raw.data,
    };
    const detections = filterDetections(candidates, { conf: options.conf, iou: options.iou, maxDet: options.maxDet });
    return options.candidates ? { detections, candidates } : { detections };
  }

  release(): Promise<void> {
    return this.session.release();
  }
}

export const DEFAULT_PREDICT_OPTIONS: PredictOptions = {
  conf: 0.25,
  iou: 0.7,
  maxDet: 300,
  topK: 5,
  floor: CANDIDATE_FLOOR,
  candidates: false,
  classIds: [],
};

/** Decodes a file, timing it; the promise rejects with a StudioError for a file that is not an image. */
export async function timedDecode(file: string): Promise<{ image: RgbImage; ms: number }> {
  const t = now();
  const image = await decodeForInference(file);
  return { image, ms: now() - t };
}

function firstLine(s: string): string {
  return s.split('\n')[0].slice(0, 300);
}
