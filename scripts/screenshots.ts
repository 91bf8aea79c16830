/**
 * `npm run screenshots`: the README's pictures, taken from the real studio in `serve` mode with
 * Chromium. It makes a small dataset of shapes (circles, squares, triangles on noisy
 * backgrounds), imports it into a new project, and photographs the image grid, the labeler with
 * boxes, the dataset health page, a training run's live charts, and the model preview.
 *
 * The training picture needs a real Ultralytics: set ULTRALYTICS_PYTHON to a Python that can
 * `import ultralytics` (see README). Without it, that picture is skipped and the script says so.
 * The preview uses the YOLO11 fixture detector in tests/fixtures/models, trained on the same
 * kind of shapes.
 *
 * Options: --out DIR (default docs/screenshots), --chromium PATH (default /usr/bin/chromium or
 * $CHROMIUM), --epochs N (default 30).
 */
import fs from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { parseArgs } from 'node:util';
import sharp from 'sharp';
import { chromium, type Page } from '@playwright/test';
import type { JobResult } from '@shared';
import { startReticleServe } from '../tests/e2e/serve-fixture.js';
import { seededRandom } from '../tests/unit/helpers/random.js';

// npm runs scripts in the package's folder; the bundled script itself lives in .bench/run.
const ROOT = process.cwd();
const { values } = parseArgs({
  args: process.argv.slice(2),
  options: { out: { type: 'string', default: path.join(ROOT, 'docs/screenshots') }, chromium: { type: 'string' }, epochs: { type: 'string', default: '30' } },
});
const OUT = path.resolve(values.out!);
const CHROMIUM = values.chromium ?? process.env.CHROMIUM ?? '/usr/bin/chromium';
const EPOCHS = Number(values.epochs);
const PYTHON = process.env.ULTRALYTICS_PYTHON;
const VIEWPORT = { width: 1440, height: 900 };

const CLASSES = ['circle', 'square', 'triangle'] as const;


/** One picture: 1–4 shapes on a tinted, noisy background; its YOLO label lines. */
async function shapesPicture(file: string, seed: number, width = 480, height = 360): Promise<string[]> {
  const r = seededRandom(seed);
  const tint = [r() * 120 + 60, r() * 120 + 60, r() * 120 + 60];
  const noise = Buffer.alloc(width * height * 3);
  for (let i = 0; i < noise.length; i++) noise[i] = Math.max(0, Math.min(255, tint[i % 3] + (r() - 0.5) * 70));
  const shapes: string[] = [];
  const labels: string[] = [];
  const count = 1 + Math.floor(r() * 4);
  for (let i = 0; i < count; i++) {
    const kind = Math.floor(r() * 3);
    const size = 40 + r() * 80;
    const cx = size / 2 + r() * (width - size);
    const cy = size / 2 + r() * (height - size);
    const colour = `rgb(${Math.floor(r() * 255)},${Math.floor(r() * 255)},${Math.floor(r() * 255)})`;
    if (kind === 0) shapes.push(`<circle cx="${cx}" cy="${cy}" r="${size / 2}" fill="${colour}"/>`);
    if (kind === 1) shapes.push(`<rect x="${cx - size / 2}" y="${cy - size / 2}" width="${size}" height="${size}" fill="${colour}"/>`);
    if (kind === 2) shapes.push(`<polygon points="${cx},${cy - size / 2} ${cx + size / 2},${cy + size / 2} ${cx - size / 2},${cy + size / 2}" fill="${colour}"/>`);
    labels.push(`${kind} ${(cx / width).toFixed(6)} ${(cy / height).toFixed(6)} ${(size / width).toFixed(6)} ${(size / height).toFixed(6)}`);
  }
  const svg = Buffer.from(`<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}">${shapes.join('')}</svg>`);
  await sharp(noise, { raw: { width, height, channels: 3 } })
    .blur(1.2)
    .composite([{ input: svg }])
    .jpeg({ quality: 90 })
    .toFile(file);
  return labels;
}

/** A YOLO dataset of `labeled` labeled pictures, and `unlabeled` more with no label file. */
async function shapesDataset(dir: string, labeled: number, unlabeled: number): Promise<void> {
  await fs.mkdir(path.join(dir, 'images'), { recursive: true });
  await fs.mkdir(path.join(dir, 'labels'), { recursive: true });
  await fs.writeFile(path.join(dir, 'data.yaml'), `path: .\ntrain: images\nval: images\nnames:\n${CLASSES.map((c, i) => `  ${i}: ${c}`).join('\n')}\n`);
  for (let i = 0; i < labeled + unlabeled; i++) {
    const name = `shapes-${String(i + 1).padStart(3, '0')}`;
    const labels = await shapesPicture(path.join(dir, 'images', `${name}.jpg`), i + 1);
    if (i < labeled) await fs.writeFile(path.join(dir, 'labels', `${name}.txt`), `${labels.join('\n')}\n`);
  }
}

async function waitFor<T>(what: string, probe: () => Promise<T | null | undefined | false>, timeoutMs: number): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}

async function shot(page: Page, name: string): Promise<void> {
  await page.waitForTimeout(400); // let transitions and late images settle
  await page.screenshot({ path: path.join(OUT, `${name}.png`) });
  console.log(`  ${path.relative(ROOT, path.join(OUT, `${name}.png`))}`);
}

async function main(): Promise<void> {
  await fs.mkdir(OUT, { recursive: true });
  // No COCO weights can be downloaded here: a mirror on 127.0.0.1 serves this run's own best.pt
  // as yolo11n.pt once training made it, a stand-in for the real download.
  let pretrained: string | null = null;
  const mirror = http.createServer((req, res) => {
    if (req.url !== '/yolo11n.pt' || !pretrained) return void res.writeHead(404).end();
    void fs.readFile(pretrained).then((body) => res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': body.length }).end(body));
  });
  await new Promise<void>((resolve) => mirror.listen(0, '127.0.0.1', resolve));
  // The studio under its own home in a scratch folder, removed when it stops.
  const serve = await startReticleServe({ env: { RETICLE_WEIGHTS_MIRROR: `http://127.0.0.1:${(mirror.address() as AddressInfo).port}/` } });
  const { work } = serve;
  console.log('making a dataset of shapes…');
  await shapesDataset(path.join(work, 'shapes'), 60, 12);
  const outside = path.join(work, 'new-pictures');
  await fs.mkdir(outside);
  for (let i = 0; i < 4; i++) await shapesPicture(path.join(outside, `new-${i + 1}.jpg`), 1000 + i);

  const browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
  try {
    const { api } = serve;
    await api.projects.create({ dir: path.join(work, 'project'), name: 'Shapes', task: 'detect' });
    const finished = new Promise<JobResult>((resolve) => api.jobs.onFinished(resolve));
    await api.imports.start({ paths: [path.join(work, 'shapes')], format: 'yolo' });
    const imported = await finished;
    if (imported.status !== 'ok') throw new Error(`the import did not complete: ${JSON.stringify(imported)}`);
    // Every imported picture came in as train: hold some out, so the run validates and is evaluated on pictures it did not train on.
    await api.splits.apply({ ratios: [0.7, 0.15, 0.15], seed: 0 });

    const page = await browser.newPage({ viewport: VIEWPORT });
    await page.goto(serve.url);
    await page.getByTestId('project-name').waitFor();
    console.log('taking pictures:');

    // The grid.
    await page.getByTestId('grid-cell').nth(20).waitFor();
    await page.waitForFunction(() => [...document.querySelectorAll('[data-testid=grid-cell] img')].slice(0, 20).every((i) => (i as HTMLImageElement).complete && (i as HTMLImageElement).naturalWidth > 0));
    await shot(page, 'grid');

    // The labeler with boxes, one selected.
    await page.getByTestId('grid-cell').nth(15).click();
    await page.getByTestId('image-viewer').waitFor();
    await page.waitForFunction(() => (window.__reticleLabeler?.boxes().length ?? 0) > 0 && (window.__reticleLabeler!.sources().preview || window.__reticleLabeler!.sources().full));
    const centre = await page.evaluate(() => {
      const b = window.__reticleLabeler!.boxes()[0];
      return window.__reticleLabeler!.clientPoint(b.x + b.w / 2, b.y + b.h / 2);
    });
    await page.mouse.click(centre.x, centre.y);
    await page.waitForFunction(() => window.__reticleLabeler!.selected().length === 1);
    await shot(page, 'labeler');
    await page.keyboard.press('Escape');
    await page.keyboard.press('Escape');

    // Dataset health.
    await page.getByTestId('tab-health').click();
    await page.getByTestId('health-summary').waitFor();
    await shot(page, 'health');

    // Training with live charts.
    if (PYTHON) {
      const runtime = await api.runtime.check({});
      if (!runtime.ready) throw new Error(`ULTRALYTICS_PYTHON is set but the runtime is not ready: ${runtime.problems.map((p) => p.message).join('; ')}`);
      await page.getByTestId('tab-training').click();
      const run = await api.training.start({ name: 'shapes-yolo11n', model: { kind: 'architecture', family: 'yolo11', size: 'n' }, epochs: EPOCHS, imgsz: 160, batch: 16, device: 'cpu', augmentation: 'light', optimizer: 'AdamW', lr0: 0.003 });
      console.log(`  training ${run.id} for ${EPOCHS} epochs on the CPU…`);
      await waitFor('a few epochs', async () => {
        const detail = await api.training.get({ runId: run.id });
        if (detail.status === 'failed') throw new Error(`the run failed: ${detail.error}`);
        return detail.epochsDone >= Math.min(EPOCHS, Math.ceil(EPOCHS * 0.7));
      }, 30 * 60_000);
      await page.getByTestId('live-run').waitFor();
      await shot(page, 'training');
      await waitFor('the end of the run', async () => ['completed', 'failed', 'stopped'].includes((await api.training.get({ runId: run.id })).status), 30 * 60_000);
      pretrained = (await api.training.get({ runId: run.id })).artifacts.find((a) => a.kind === 'best')?.path ?? null;

      // The weights library: yolo11n.pt fetched through the mirror.
      await page.getByTestId('tab-weights').click();
      await page.locator('[data-testid=weights-fetch][data-name="yolo11n.pt"]').click();
      await page.locator('[data-testid=pretrained-cell][data-name="yolo11n.pt"][data-in-library=true]').waitFor({ timeout: 120_000 });
      await page.getByTestId('weights-entry').first().waitFor();
      await shot(page, 'weights');

      // The training form, which starts from the pretrained weights.
      await page.getByTestId('tab-training').click();
      await page.getByTestId('pretrained-status').waitFor();
      await page.getByTestId('pretrained-status').evaluate((el) => el.scrollIntoView({ block: 'center' }));
      await shot(page, 'training-form');

      // The run's evaluation on its frozen test split, with the likely label errors.
      await page.getByTestId('tab-evaluation').click();
      await page.getByTestId('evaluation-run').selectOption(run.id);
      await page.getByTestId('evaluation-start').click();
      await page.locator('[data-testid=evaluation-figures], [data-testid=evaluation-error]').first().waitFor({ timeout: 10 * 60_000 });
      if (await page.getByTestId('evaluation-error').isVisible()) throw new Error(`the evaluation failed: ${await page.getByTestId('evaluation-error').innerText()}`);
      await shot(page, 'evaluation');
      await page.getByTestId('findings').evaluate((el) => el.scrollIntoView({ block: 'start' }));
      await shot(page, 'label-errors');
    } else {
      console.log('  training: skipped (set ULTRALYTICS_PYTHON to a Python with ultralytics to take this picture)');
    }

    // The model preview: the fixture detector on two project images and a folder outside.
    await page.getByTestId('tab-models').click();
    await page.getByTestId('models-path').fill(path.join(ROOT, 'tests/fixtures/models/yolo11-detect.onnx'));
    await page.getByTestId('models-load').click();
    await page.getByTestId('models-task').waitFor();
    await page.getByTestId('models-thumb').nth(1).click();
    await page.getByTestId('models-folder-path').fill(outside);
    await page.getByTestId('models-folder-open').click();
    await page.getByTestId('models-file').first().waitFor();
    for (const extra of await page.getByTestId('models-file').all()) if ((await extra.getAttribute('aria-pressed')) === 'true') await extra.click();
    await page.getByTestId('models-file').first().click();
    await page.getByTestId('models-predict').click();
    await page.getByTestId('models-result').nth(1).waitFor();
    await page.getByTestId('models-result').first().evaluate((el) => el.scrollIntoView({ block: 'center' }));
    await shot(page, 'preview');
  } finally {
    await browser.close();
    await serve.stop();
    mirror.close();
  }
}

await main();
