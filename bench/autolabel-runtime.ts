/**
 * bench/predict's auto-label row: the studio's two auto-label paths against Ultralytics' own
 * batched `predict`, called directly, on the same weights and images, in the same run:
 *
 * - Ultralytics: `YOLO(pt).predict(source=LIST.txt, stream=True, batch=B, ...)` in a Python of
 *   its own, timed from loading the weights to the last result (imports left out);
 * - the runtime (`predictWithRuntime`, PyTorch): the runtime's own time, measured the same way,
 *   and the wall time with the process start and imports;
 * - onnxruntime-node on the CPU: the auto-label job's throughput, measured by bench/predict.
 *
 * Both PyTorch paths get the same arguments (`rect=False`, as the runtime predicts). They run in
 * turn, twice each, and the better of each pair is kept. Needs ULTRALYTICS_PYTHON.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { predictWithRuntime } from '../src-main/services/inference/runtime-predict.js';
import { RuntimeManager } from '../src-main/services/runtime/runtime-manager.js';
import { defaultPythonRuntimeDir } from '../src-main/services/runtime/runtime-location.js';

const BATCH = 16;
const CONF = 0.25;
const IOU = 0.7;

const DIRECT = `
import json, sys, time
from ultralytics import YOLO
weights, source, batch, conf, iou, imgsz, device = sys.argv[1:8]
started = time.monotonic()
model = YOLO(weights)
n = sum(1 for _ in model.predict(source=source, stream=True, batch=int(batch), conf=float(conf), iou=float(iou), imgsz=int(imgsz), device=device, max_det=300, rect=False, verbose=False))
print(json.dumps({"images": n, "seconds": time.monotonic() - started}))
`;

interface Rate {
  images: number;
  seconds: number;
}

const perSecond = (r: Rate) => r.images / r.seconds;
const better = (a: Rate | null, b: Rate) => (a && perSecond(a) >= perSecond(b) ? a : b);

/**
 * Prints the row. `onnx`: the auto-label job's images/s with the ONNX export of `pt` on these images.
 */
export async function autolabelAgainstUltralytics(pt: string | null, files: string[], imgsz: number, onnx: number): Promise<void> {
  const python = process.env.ULTRALYTICS_PYTHON;
  if (!python || !pt) {
    process.stdout.write("auto-label against Ultralytics' own batched predict: skipped (ULTRALYTICS_PYTHON is not set)\n");
    return;
  }
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'reticle-bench-autolabel-'));
  const settings = { get: () => undefined, set: () => undefined };
  const runtime = new RuntimeManager({ settings, dataDir: work, runtimeDir: defaultPythonRuntimeDir(), env: process.env });
  try {
    const device = (await runtime.check()).bestDevice ?? 'cpu';
    const list = path.join(work, 'images.txt');
    fs.writeFileSync(list, files.map((f) => `${f}\n`).join(''));
    let direct: Rate | null = null;
    let inRuntime: Rate | null = null;
    let wall: Rate | null = null;
    for (let round = 0; round < 2; round++) {
      const out = execFileSync(python, ['-c', DIRECT, pt, list, String(BATCH), String(CONF), String(IOU), String(imgsz), device], {
        cwd: work,
        env: runtime.baseEnv,
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'ignore'],
      });
      direct = better(direct, JSON.parse(out.trim().split('\n').at(-1)!) as Rate);
      const t = performance.now();
      const r = await predictWithRuntime({ runtime, weights: pt, images: files, conf: CONF, iou: IOU, imgsz, device, batch: BATCH });
      if (r.failed) throw new Error(`the runtime could not read ${r.failed} images`);
      inRuntime = better(inRuntime, { images: r.images, seconds: r.seconds });
      wall = better(wall, { images: r.images, seconds: (performance.now() - t) / 1000 });
    }
    const base = perSecond(direct!);
    const row = (label: string, rate: number, extra = '') => process.stdout.write(`  ${label}: ${rate.toFixed(1)} images/s (${(rate / base).toFixed(2)}×)${extra}\n`);
    process.stdout.write(`auto-label against Ultralytics' own batched predict (${files.length} images, batch ${BATCH}, conf ${CONF}, imgsz ${imgsz}, PyTorch on ${device}; target ≥ 0.90×):\n`);
    row("Ultralytics YOLO.predict(stream=True), called directly", base);
    row(`studio, the runtime's PyTorch (${device})`, perSecond(inRuntime!), `; with the process start and imports ${perSecond(wall!).toFixed(1)} images/s (${(perSecond(wall!) / base).toFixed(2)}×)`);
    row('studio, onnxruntime-node CPU (the auto-label job)', onnx);
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
}
