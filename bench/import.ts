/**
 * bench/import: imports N generated 1920×1080 JPEGs (thumbnails included) through the real
 * pipeline, and times libvips' own `vipsthumbnail` making the same 256 px thumbnails from the same
 * files in the same run (one process per core, its best use). Also samples the main event loop's
 * delay during the import: the studio's window must stay responsive while it imports.
 *
 *   npm run bench:import [-- --count 1000]
 */
import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import sharp from 'sharp';
import { ProjectStore } from '../src-main/services/store/project-store.js';
import { MediaStore } from '../src-main/services/media/media-store.js';
import { runImport } from '../src-main/services/import/pipeline.js';
import { planImages } from '../src-main/services/import/formats/images.js';

const countArg = process.argv.indexOf('--count');
const COUNT = countArg > 0 ? Number(process.argv[countArg + 1]) : 1000;
const W = 1920;
const H = 1080;
const cacheDir = path.resolve('.bench', `jpegs-${COUNT}-${W}x${H}`);

/** Photo-like frames: gradients, shapes and grain, so JPEG sizes are realistic (~200–400 KB). */
async function generate(): Promise<string[]> {
  const files = Array.from({ length: COUNT }, (_, i) => path.join(cacheDir, `frame-${String(i).padStart(5, '0')}.jpg`));
  if (files.every((f) => fs.existsSync(f))) return files;
  fs.mkdirSync(cacheDir, { recursive: true });
  process.stderr.write(`generating ${COUNT} JPEGs of ${W}×${H} in ${cacheDir} (once)…\n`);
  const grain = Buffer.alloc(W * H * 3);
  for (let i = 0; i < grain.length; i++) grain[i] = (Math.random() * 40) | 0;
  let next = 0;
  const worker = async () => {
    while (next < files.length) {
      const i = next++;
      const hue = (i * 47) % 360;
      const svg = `<svg width="${W}" height="${H}" xmlns="http://www.w3.org/2000/svg">
        <defs><linearGradient id="g" x1="0" y1="0" x2="1" y2="1"><stop offset="0" stop-color="hsl(${hue},60%,60%)"/><stop offset="1" stop-color="hsl(${(hue + 120) % 360},50%,25%)"/></linearGradient></defs>
        <rect width="100%" height="100%" fill="url(#g)"/>
        <circle cx="${(i * 97) % W}" cy="${(i * 53) % H}" r="${150 + (i % 200)}" fill="hsl(${(hue + 200) % 360},70%,50%)"/>
        <rect x="${(i * 31) % (W - 400)}" y="${(i * 17) % (H - 300)}" width="400" height="300" fill="hsl(${(hue + 60) % 360},40%,70%)"/></svg>`;
      await sharp(Buffer.from(svg))
        .composite([{ input: grain, raw: { width: W, height: H, channels: 3 }, blend: 'overlay' }])
        .jpeg({ quality: 88 })
        .toFile(files[i]);
    }
  };
  await Promise.all(Array.from({ length: os.availableParallelism() }, worker));
  return files;
}

async function vipsthumbnail(files: string[], out: string): Promise<number> {
  const cores = os.availableParallelism();
  const chunks = Array.from({ length: cores }, (_, c) => files.filter((_, i) => i % cores === c));
  const started = performance.now();
  await Promise.all(
    chunks.map(
      (chunk) =>
        new Promise<void>((resolve, reject) => {
          const p = spawn('vipsthumbnail', ['--size', '256', '-o', `${out}/%s.jpg[Q=80]`, ...chunk], { stdio: 'inherit' });
          p.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`vipsthumbnail exited ${code}`))));
        }),
    ),
  );
  return (performance.now() - started) / 1000;
}

function hasVipsthumbnail(): boolean {
  try {
    execFileSync('vipsthumbnail', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

async function studioImport(files: string[]): Promise<{ seconds: number; lagP50: number; lagP99: number; lagMax: number; imported: number }> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'reticle-bench-import-'));
  const store = ProjectStore.create(path.join(dir, 'project'), { name: 'bench', task: 'detect' });
  const media = new MediaStore(store.paths);
  const lag = monitorEventLoopDelay({ resolution: 5 });
  const started = performance.now();
  lag.enable();
  const plan = await planImages([cacheDir]);
  const report = await runImport(store, media, plan);
  lag.disable();
  const seconds = (performance.now() - started) / 1000;
  store.dispose();
  fs.rmSync(dir, { recursive: true, force: true });
  if (report.imported !== files.length) throw new Error(`imported ${report.imported} of ${files.length}: ${JSON.stringify(report.failed.slice(0, 3))}`);
  const ms = (ns: number) => ns / 1e6;
  return { seconds, lagP50: ms(lag.percentile(50)), lagP99: ms(lag.percentile(99)), lagMax: ms(lag.max), imported: report.imported };
}

const files = await generate();
const mb = files.reduce((a, f) => a + fs.statSync(f).size, 0) / 1024 ** 2;
console.log(`bench/import: ${COUNT} JPEGs of ${W}×${H} (${mb.toFixed(0)} MiB), ${os.availableParallelism()} cores, ${os.cpus()[0]?.model ?? 'cpu'}`);

// Warm the page cache for both contenders alike.
for (const f of files) fs.readFileSync(f);

let baseline: number | null = null;
if (hasVipsthumbnail()) {
  const out = fs.mkdtempSync(path.join(os.tmpdir(), 'reticle-bench-vips-'));
  const seconds = await vipsthumbnail(files, out);
  fs.rmSync(out, { recursive: true, force: true });
  baseline = COUNT / seconds;
  console.log(`vipsthumbnail (${os.availableParallelism()} processes): ${baseline.toFixed(1)} images/s (${seconds.toFixed(2)} s)`);
} else {
  console.log('vipsthumbnail: not installed (apt-get install libvips-tools); no baseline this run');
}

const r = await studioImport(files);
const rate = COUNT / r.seconds;
console.log(`studio import (hash, store, thumbnail, database): ${rate.toFixed(1)} images/s (${r.seconds.toFixed(2)} s)`);
if (baseline) console.log(`ratio to vipsthumbnail: ${(rate / baseline).toFixed(2)}× (target ≥ 0.80×)`);
console.log(`main event loop lag during import: p50 ${r.lagP50.toFixed(1)} ms, p99 ${r.lagP99.toFixed(1)} ms, max ${r.lagMax.toFixed(1)} ms (target p99 < 50 ms)`);
