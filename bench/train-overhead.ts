/**
 * bench/train-overhead: what the studio adds to a training run. On one generated project (200
 * images of 160 px, two classes) and the same settings, times in the same run:
 *
 *   (a) a run through the studio (createStudio → training.start → completed): dataset snapshot,
 *       runtime process, protocol, database, events;
 *   (b) Ultralytics called directly, `$ULTRALYTICS_PYTHON -c "YOLO(...).train(...)"`, on the
 *       dataset snapshot (a) trained on;
 *
 * and, for (a), how late each epoch reached the UI: the time `training.onEpoch` fired minus the
 * runtime's `t` (taken in Ultralytics' callback; same machine, same clock).
 *
 *   ULTRALYTICS_PYTHON=/path/to/python npm run bench:train-overhead [-- --epochs 6 --images 200 --imgsz 160 --rounds 2 --no-final-plots]
 */
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createHash } from 'node:crypto';
import sharp from 'sharp';
import type { EpochRecord, RunSummary } from '@shared';
import { createStudio } from '../src-main/studio.js';
import { createDirectClient } from '../src-main/transports/direct.js';
import type { SettingsStore } from '../src-main/services/settings/settings-store.js';

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
}

const PYTHON = process.env.ULTRALYTICS_PYTHON;
const EPOCHS = arg('epochs', 6);
const IMAGES = arg('images', 200);
const IMGSZ = arg('imgsz', 160);
const BATCH = 16;
/** Each round runs both; the figures are the means. */
const ROUNDS = arg('rounds', 2);
/**
 * The runtime turns Ultralytics' plots on for the final validation of best.pt, to fill the
 * confusion matrix (and write its PNGs): a cost direct Ultralytics with plots=False does not pay.
 * `--no-final-plots` passes plots=False to the studio's run too, to see what is left.
 */
const FINAL_PLOTS = !process.argv.includes('--no-final-plots');

function memorySettings(): SettingsStore {
  const data = new Map<string, unknown>();
  return { get: <T>(k: string) => data.get(k) as T | undefined, set: (k, v) => void data.set(k, v) };
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))];
}

async function main(): Promise<void> {
  if (!PYTHON) {
    console.log('bench:train-overhead needs a real Ultralytics: set ULTRALYTICS_PYTHON to a Python that can `import ultralytics`. Skipped.');
    return;
  }
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'reticle-bench-train-'));
  try {
    const studio = createStudio({ mode: 'cli', settings: memorySettings(), dataDir: path.join(root, 'data') });
    const api = createDirectClient(studio.host);
    await api.projects.create({ dir: path.join(root, 'project'), name: 'bench', task: 'detect' });
    const { store, media } = studio.session.require();
    const { ids } = store.classes.ensure(['red', 'blue']);
    for (let i = 0; i < IMAGES; i++) {
      const cls = i % 2;
      const x = 8 + ((i * 13) % (IMGSZ - 56));
      const y = 8 + ((i * 7) % (IMGSZ - 52));
      const svg = `<svg width="${IMGSZ}" height="${IMGSZ}" xmlns="http://www.w3.org/2000/svg"><rect width="${IMGSZ}" height="${IMGSZ}" fill="#444"/><rect x="${x}" y="${y}" width="40" height="36" fill="${cls ? '#00f' : '#f00'}"/></svg>`;
      const bytes = await sharp(Buffer.from(svg)).jpeg().toBuffer();
      const hash = createHash('sha256').update(bytes).update(String(i)).digest('hex');
      const file = media.mediaPath(hash, '.jpg');
      fs.mkdirSync(path.dirname(file), { recursive: true });
      fs.writeFileSync(file, bytes);
      const id = store.images.insert({ hash, ext: '.jpg', format: 'jpeg', name: `s${i}.jpg`, originalPath: `/bench/s${i}.jpg`, width: IMGSZ, height: IMGSZ, bytes: bytes.length });
      store.annotations.insertMany(id, [{ classId: ids.get(cls ? 'blue' : 'red')!, kind: 'box', x, y, w: 40, h: 36 }]);
    }
    const cpus = os.cpus();
    console.log(
      `${IMAGES} images of ${IMGSZ} px, ${EPOCHS} epochs, batch ${BATCH}, yolo11n.yaml, cpu (${cpus.length} × ${cpus[0]?.model ?? 'CPU'})` +
        `${FINAL_PLOTS ? '' : '; the studio without the final confusion-matrix plots'}`,
    );

    // Both runs start with torch and Ultralytics in the page cache.
    spawnSync(PYTHON, ['-c', 'import torch, ultralytics'], { stdio: 'ignore' });

    // (a) through the studio.
    const latencies: number[] = [];
    const endings = new Map<string, (run: RunSummary) => void>();
    api.training.onStatus((run) => {
      if (['completed', 'failed', 'stopped', 'interrupted'].includes(run.status)) endings.get(run.id)?.(run);
    });
    api.training.onEpoch((e: { runId: string; epoch: EpochRecord }) => {
      latencies.push(Date.now() - e.epoch.t * 1000);
      process.stderr.write(`  studio: epoch ${e.epoch.epoch}/${e.epoch.epochs}\n`);
    });
    let data = '';
    const viaStudio = async (): Promise<number> => {
      const t0 = performance.now();
      let settle!: (run: RunSummary) => void;
      const ended = new Promise<RunSummary>((resolve) => (settle = resolve));
      const started = await api.training.start({
        model: { kind: 'architecture', family: 'yolo11', size: 'n' },
        epochs: EPOCHS,
        imgsz: IMGSZ,
        batch: BATCH,
        device: 'cpu',
        split: [0.8, 0.2, 0],
        advanced: FINAL_PLOTS ? {} : { plots: false },
      });
      endings.set(started.id, settle);
      const run = await ended;
      const seconds = (performance.now() - t0) / 1000;
      if (run.status !== 'completed') throw new Error(`the studio's run ended ${run.status}: ${run.error?.message}`);
      data ||= path.join((await api.training.get({ runId: run.id })).dataset!.dir, 'data.yaml');
      process.stderr.write(`  studio: ${seconds.toFixed(1)} s\n`);
      return seconds;
    };

    // (b) Ultralytics directly, with the arguments the runtime passes (train.py's train_arguments),
    // on the snapshot the studio's first run trained on.
    let directRuns = 0;
    const direct = async (): Promise<number> => {
      const script = [
        'from ultralytics import YOLO',
        `YOLO('yolo11n.yaml').train(data=${JSON.stringify(data)}, epochs=${EPOCHS}, imgsz=${IMGSZ}, batch=${BATCH}, device='cpu', workers=0, amp=False, plots=False, verbose=True,`,
        `    optimizer='auto', patience=100, seed=0, project=${JSON.stringify(path.join(root, 'direct'))}, name='train${++directRuns}', exist_ok=True)`,
      ].join('\n');
      const t1 = performance.now();
      const code = await new Promise<number | null>((resolve) => {
        const child = spawn(PYTHON, ['-c', script], { stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, YOLO_AUTOINSTALL: 'false' } });
        let tail = '';
        child.stderr.on('data', (c: Buffer) => (tail = (tail + c.toString()).slice(-4000)));
        child.on('close', (c) => {
          if (c !== 0) process.stderr.write(tail);
          resolve(c);
        });
      });
      const seconds = (performance.now() - t1) / 1000;
      if (code !== 0) throw new Error(`direct Ultralytics exited ${code}`);
      process.stderr.write(`  direct: ${seconds.toFixed(1)} s\n`);
      return seconds;
    };

    // Alternating order (studio first, then direct first, ...), so that neither always runs on
    // a warmer or a busier machine.
    let studioSeconds = 0;
    let directSeconds = 0;
    for (let round = 0; round < ROUNDS; round++) {
      if (round % 2 === 0) {
        studioSeconds += await viaStudio();
        directSeconds += await direct();
      } else {
        directSeconds += await direct();
        studioSeconds += await viaStudio();
      }
    }
    studioSeconds /= ROUNDS;
    directSeconds /= ROUNDS;
    await studio.dispose();

    const ratio = studioSeconds / directSeconds;
    console.log(`reticle train: ${studioSeconds.toFixed(1)} s, direct ultralytics: ${directSeconds.toFixed(1)} s, ratio ${ratio.toFixed(3)} (target ≤ 1.03 on a run ≥ 30 s; mean of ${ROUNDS} round${ROUNDS > 1 ? 's' : ''})`);
    const sorted = [...latencies].sort((a, b) => a - b);
    console.log(
      `epoch event latency: p50 ${percentile(sorted, 0.5).toFixed(1)} ms, max ${sorted[sorted.length - 1].toFixed(1)} ms over ${sorted.length} epochs (target ≤ 200 ms)`,
    );
    if (directSeconds < 30) console.log(`note: the direct run took under 30 s; pass --epochs ${Math.ceil((EPOCHS * 30) / directSeconds)} for a fair ratio`);
  } finally {
    fs.rmSync(root, { recursive: true, force: true });
  }
}

await main();
