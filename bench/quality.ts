/**
 * bench/quality: does a model trained through the studio come out as good as one trained by
 * Ultralytics itself? The same generated project (red squares and blue discs on dark noise, two
 * classes) and the same settings, in the same run, on the CPU, with a fixed seed:
 *
 *   (a) `reticle train` (the built CLI, as a user runs it): the project is snapshotted into the
 *       run's own YOLO dataset (runs/<id>/dataset/data.yaml) and trained through the runtime;
 *   (b) Ultralytics called directly, `YOLO('yolo11n.yaml').train(...)`, on that very data.yaml,
 *       so both see the same images, labels and train/val/test split, with the arguments the
 *       runtime passes (train.py's train_arguments) and `deterministic=True`.
 *
 * Then both best.pt are evaluated the same way, `YOLO(best).val(data=..., split='test')` in one
 * Python process, on the frozen test split neither trained nor selected on: only training differs.
 * Target: |mAP50-95 difference| ≤ 0.01. It prints, never asserts. Train seconds are each whole
 * command, start to end (for the studio: CLI start, snapshot, runtime, final validation with plots).
 *
 *   ULTRALYTICS_PYTHON=/path/to/python npm run bench:quality [-- --images 200 --epochs 15 --imgsz 128 --batch 8 --seed 0 --keep]
 */
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import type { RunArtifact, RunDetail, RunSummary } from '@shared';
import { seededRandom } from '../tests/unit/helpers/random.js';

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
}

const PYTHON = process.env.ULTRALYTICS_PYTHON;
const IMAGES = arg('images', 200);
const EPOCHS = arg('epochs', 15);
const IMGSZ = arg('imgsz', 128);
/**
 * Small, so that a few hundred steps fit in a few minutes: Ultralytics warms up for at least 100
 * batches, and from scratch at batch 16 on 120 images nothing is found after 12 epochs (mAP 0).
 */
const BATCH = arg('batch', 8);
const SEED = arg('seed', 0);
const SPLIT = '0.7,0.15,0.15';
/** Keeps the temporary folder (project, runs, direct run, evaluation) and prints where it is. */
const KEEP = process.argv.includes('--keep');
const TARGET = 0.01;
const MAP50_95 = 'metrics/mAP50-95(B)';
/** npm runs benches in the repository root; the bundled bench cannot find it from its own path. */
const ROOT = process.cwd();
const BIN = path.join(ROOT, 'bin/reticle.mjs');


/**
 * A YOLO folder (images/, labels/, data.yaml) of IMAGES pictures: one to three objects each, a red
 * square or a blue disc, of varied size and place (they may overlap), on grey darkened by noise.
 */
async function makeDataset(dir: string): Promise<void> {
  const rand = seededRandom(1234); // the same pictures every run
  fs.mkdirSync(path.join(dir, 'images'), { recursive: true });
  fs.mkdirSync(path.join(dir, 'labels'), { recursive: true });
  const noise = Buffer.alloc(IMGSZ * IMGSZ * 3);
  for (let i = 0; i < IMAGES; i++) {
    for (let p = 0; p < noise.length; p++) noise[p] = Math.floor(rand() * 48);
    const shapes: string[] = [];
    const labels: string[] = [];
    const count = 1 + Math.floor(rand() * 3);
    for (let k = 0; k < count; k++) {
      const cls = Math.floor(rand() * 2);
      const side = Math.round(IMGSZ * (0.15 + rand() * 0.2));
      const x = Math.round(rand() * (IMGSZ - side));
      const y = Math.round(rand() * (IMGSZ - side));
      shapes.push(
        cls === 0
          ? `<rect x="${x}" y="${y}" width="${side}" height="${side}" fill="#d22"/>`
          : `<circle cx="${x + side / 2}" cy="${y + side / 2}" r="${side / 2}" fill="#23d"/>`,
      );
      labels.push(`${cls} ${((x + side / 2) / IMGSZ).toFixed(6)} ${((y + side / 2) / IMGSZ).toFixed(6)} ${(side / IMGSZ).toFixed(6)} ${(side / IMGSZ).toFixed(6)}`);
    }
    const svg = `<svg width="${IMGSZ}" height="${IMGSZ}" xmlns="http://www.w3.org/2000/svg"><rect width="${IMGSZ}" height="${IMGSZ}" fill="#777"/>${shapes.join('')}</svg>`;
    await sharp(Buffer.from(svg))
      .composite([{ input: noise, raw: { width: IMGSZ, height: IMGSZ, channels: 3 }, blend: 'overlay' }])
      .jpeg({ quality: 90 })
      .toFile(path.join(dir, 'images', `shapes-${String(i).padStart(3, '0')}.jpg`));
    fs.writeFileSync(path.join(dir, 'labels', `shapes-${String(i).padStart(3, '0')}.txt`), `${labels.join('\n')}\n`);
  }
  fs.writeFileSync(path.join(dir, 'data.yaml'), 'train: images\nval: images\nnames: [square, disc]\n');
}

/** `reticle ARGS` as a user runs it; throws with its stderr when it fails. */
function reticle(args: string[], env: Record<string, string>): string {
  const r = spawnSync(process.execPath, [BIN, ...args], { cwd: ROOT, encoding: 'utf8', env: { ...process.env, ...env } });
  if (r.status !== 0) throw new Error(`reticle ${args.join(' ')} exited ${r.status}: ${r.stderr.slice(-2000)}`);
  return r.stdout;
}

/** (a) `reticle train --json`, followed to its last line; resolves with the run and its artifacts. */
async function trainThroughStudio(dir: string, env: Record<string, string>): Promise<{ run: RunSummary; artifacts: RunArtifact[] }> {
  const args = ['train', dir, '--model', 'yolo11n.yaml', '--epochs', String(EPOCHS), '--imgsz', String(IMGSZ), '--batch', String(BATCH)];
  args.push('--device', 'cpu', '--seed', String(SEED), '--split', SPLIT, '--set', 'deterministic=true', '--json');
  const child = spawn(process.execPath, [BIN, ...args], { cwd: ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let tail = '';
  child.stdout.on('data', (c: Buffer) => {
    stdout += c.toString();
    for (const m of c.toString().matchAll(/"type":"epoch".*?"epoch":(\d+),"epochs":(\d+)/g)) process.stderr.write(`  studio: epoch ${m[1]}/${m[2]}\n`);
  });
  child.stderr.on('data', (c: Buffer) => (tail = (tail + c.toString()).slice(-4000)));
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  if (code !== 0) throw new Error(`reticle train exited ${code}: ${tail}`);
  const lines = stdout.split('\n').filter((l) => l.trim());
  return JSON.parse(lines[lines.length - 1]) as { run: RunSummary; artifacts: RunArtifact[] };
}

/** Runs a Python script with the real Ultralytics, offline and with settings of its own; resolves with its stdout. */
async function python(script: string, root: string): Promise<string> {
  const env = { ...process.env, YOLO_OFFLINE: 'true', YOLO_AUTOINSTALL: 'false', YOLO_CONFIG_DIR: path.join(root, 'ultralytics-config'), PYTHONUNBUFFERED: '1' };
  const child = spawn(PYTHON!, ['-c', script], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'], env });
  let stdout = '';
  let tail = '';
  child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
  child.stderr.on('data', (c: Buffer) => (tail = (tail + c.toString()).slice(-4000)));
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  if (code !== 0) throw new Error(`${PYTHON} exited ${code}: ${tail}`);
  return stdout;
}

/** (b) Ultralytics directly, with what train.py's train_arguments passes on the CPU, plus the seed and determinism. */
function directTrainScript(data: string, project: string): string {
  return [
    'from ultralytics import YOLO',
    `YOLO('yolo11n.yaml').train(data=${JSON.stringify(data)}, epochs=${EPOCHS}, imgsz=${IMGSZ}, batch=${BATCH}, device='cpu',`,
    `    workers=0, amp=False, plots=False, verbose=True, optimizer='auto', patience=100, seed=${SEED}, deterministic=True,`,
    `    project=${JSON.stringify(project)}, name='train', exist_ok=True)`,
  ].join('\n');
}

/** Both best.pt, evaluated by one and the same call on the test split; one JSON line per model. */
function evaluationScript(data: string, weights: Record<string, string>, project: string): string {
  return [
    'import json',
    'from ultralytics import YOLO',
    `for side, weights in ${JSON.stringify(weights)}.items():`,
    `    m = YOLO(weights).val(data=${JSON.stringify(data)}, split='test', imgsz=${IMGSZ}, batch=${BATCH}, device='cpu', workers=0,`,
    `        plots=False, verbose=False, project=${JSON.stringify(project)}, name=side, exist_ok=True)`,
    "    print('QUALITY ' + json.dumps({'side': side, 'map50': float(m.box.map50), 'map': float(m.box.map)}), flush=True)",
  ].join('\n');
}

/** The validation mAP50-95 of each epoch from Ultralytics' results.csv. */
function csvEpochs(file: string): number[] {
  const [header, ...rows] = fs.readFileSync(file, 'utf8').trim().split('\n');
  const column = header.split(',').map((h) => h.trim()).indexOf(MAP50_95);
  return rows.map((r) => Number(r.split(',')[column]));
}

/** The first epoch whose validation mAP50-95 differs between the two runs (beyond results.csv's 6 digits), or null. */
function firstDivergence(studio: number[], direct: number[]): { epoch: number; studio: number; direct: number } | null {
  for (let i = 0; i < Math.max(studio.length, direct.length); i++) {
    if (studio[i] === undefined || direct[i] === undefined || Math.abs(studio[i] - direct[i]) > 1e-6) return { epoch: i + 1, studio: studio[i], direct: direct[i] };
  }
  return null;
}

async function main(): Promise<void> {
  if (!PYTHON) {
    console.log('bench:quality needs a real Ultralytics: set ULTRALYTICS_PYTHON to a Python that can `import ultralytics`. Skipped.');
    return;
  }
  // The CLI of the sources as they are now.
  execFileSync(process.execPath, [path.join(ROOT, 'scripts/build.mjs'), '--only=cli'], { cwd: ROOT, stdio: 'inherit' });
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'reticle-bench-quality-'));
  try {
    const env = { ULTRALYTICS_PYTHON: PYTHON, RETICLE_HOME: path.join(root, 'home') };
    const source = path.join(root, 'source');
    await makeDataset(source);
    const dir = path.join(root, 'project');
    reticle(['new', dir, '--name', 'Quality', '--task', 'detect'], env);
    reticle(['import', dir, source, '--format', 'yolo'], env);
    const cpus = os.cpus();
    console.log(
      `${IMAGES} images of ${IMGSZ} px (2 classes), split ${SPLIT}, ${EPOCHS} epochs, batch ${BATCH}, seed ${SEED}, yolo11n.yaml from scratch, ` +
        `deterministic, cpu (${cpus.length} × ${cpus[0]?.model ?? 'CPU'})`,
    );

    // Both runs start with torch and Ultralytics in the page cache.
    spawnSync(PYTHON, ['-c', 'import torch, ultralytics'], { stdio: 'ignore' });

    let t0 = performance.now();
    const studio = await trainThroughStudio(dir, env);
    const studioSeconds = (performance.now() - t0) / 1000;
    if (studio.run.status !== 'completed') throw new Error(`the studio's run ended ${studio.run.status}`);
    const detail = JSON.parse(reticle(['runs', dir, studio.run.id, '--json'], env)) as RunDetail;
    if (!detail.dataset) throw new Error("the studio's run has no dataset snapshot");
    const data = path.join(detail.dataset.dir, 'data.yaml');
    const studioBest = studio.artifacts.find((a) => a.kind === 'best')?.path;
    if (!studioBest) throw new Error("the studio's run has no best.pt");
    process.stderr.write(`  studio: ${studioSeconds.toFixed(1)} s\n`);

    const directProject = path.join(root, 'direct');
    t0 = performance.now();
    await python(directTrainScript(data, directProject), root);
    const directSeconds = (performance.now() - t0) / 1000;
    process.stderr.write(`  direct: ${directSeconds.toFixed(1)} s\n`);
    const directBest = path.join(directProject, 'train', 'weights', 'best.pt');

    const out = await python(evaluationScript(data, { studio: studioBest, direct: directBest }, path.join(root, 'val')), root);
    const scores = new Map<string, { map50: number; map: number }>();
    for (const line of out.split('\n')) {
      if (!line.startsWith('QUALITY ')) continue;
      const s = JSON.parse(line.slice('QUALITY '.length)) as { side: string; map50: number; map: number };
      scores.set(s.side, s);
    }
    const a = scores.get('studio');
    const b = scores.get('direct');
    if (!a || !b) throw new Error(`the evaluation printed no figures: ${out.slice(-2000)}`);

    const { train, val, test } = detail.dataset.perSplit;
    console.log(`dataset: the studio's snapshot of run ${studio.run.id} for both (train ${train}, val ${val}, test ${test} images)`);
    console.log('side                 mAP50   mAP50-95   train s');
    console.log(`reticle train       ${a.map50.toFixed(4)}    ${a.map.toFixed(4)}   ${studioSeconds.toFixed(1).padStart(7)}`);
    console.log(`direct ultralytics  ${b.map50.toFixed(4)}    ${b.map.toFixed(4)}   ${directSeconds.toFixed(1).padStart(7)}`);
    const diff = a.map - b.map;
    console.log(`difference mAP50-95: ${diff >= 0 ? '+' : ''}${diff.toFixed(4)} (target |diff| ≤ ${TARGET}${Math.abs(diff) <= TARGET ? ', met' : ', NOT met'})`);
    console.log(`train time ratio (reticle / direct): ${(studioSeconds / directSeconds).toFixed(3)}`);

    // Where the two runs part, if they do: the validation mAP50-95 of each epoch.
    const studioEpochs = detail.epochLog.filter((e) => !e.partial).map((e) => e.metrics[MAP50_95] ?? Number.NaN);
    const directEpochs = csvEpochs(path.join(directProject, 'train', 'results.csv'));
    const split = firstDivergence(studioEpochs, directEpochs);
    console.log(
      split
        ? `per-epoch val mAP50-95: first differs at epoch ${split.epoch} (reticle ${split.studio?.toFixed(5)}, direct ${split.direct?.toFixed(5)})`
        : `per-epoch val mAP50-95: the same in all ${studioEpochs.length} epochs`,
    );
    if (a.map < 0.05 && b.map < 0.05) console.log(`note: both models scored under 0.05; pass --epochs ${EPOCHS * 2} for a comparison that says more`);
  } finally {
    if (KEEP) console.log(`kept ${root}`);
    else fs.rmSync(root, { recursive: true, force: true });
  }
}

await main();
