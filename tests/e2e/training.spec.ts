/**
 * The training page in the built renderer, against a TEST DOUBLE of the studio: Playwright
 * answers the page's WebSocket itself (scripted answers to the runtime and training calls) and
 * pushes the training events a real run would send. Needs `npx vite build` first.
 */
import { expect, test, type Page, type WebSocketRoute } from '@playwright/test';
import fs from 'node:fs';
import path from 'node:path';
import type { EpochRecord, RunDetail, RunSummary, RuntimeStatus, TrainingProgress, WeightsEntry, WeightsLibraryState, WireCall } from '@shared';

const ROOT = path.resolve(import.meta.dirname, '../..');
const RENDERER = path.join(ROOT, 'dist/renderer');
const ORIGIN = 'http://studio.test';

const CPU_RUNTIME: RuntimeStatus = {
  ready: true,
  python: '/home/me/.reticle/runtime/bin/python',
  source: 'managed',
  env: {
    v: 1,
    type: 'env',
    runtime: '0.1.0',
    python: '3.12.3',
    platform: 'linux',
    torch: '2.5.1+cpu',
    ultralytics: '8.3.40',
    cuda: { available: false, version: null, devices: [] },
    mps: null,
    cpu: { works: true, error: null },
    problems: [],
  },
  problems: [],
  bestDevice: 'cpu',
};

function summary(id: string, patch: Partial<RunSummary> = {}): RunSummary {
  return {
    id,
    name: id,
    status: 'completed',
    model: 'yolo11n.yaml',
    epochs: 5,
    epochsDone: 5,
    device: 'cpu',
    createdAt: '2025-03-01T10:00:00.000Z',
    startedAt: '2025-03-01T10:00:05.000Z',
    endedAt: '2025-03-01T10:20:00.000Z',
    best: { epoch: 5, metrics: { 'metrics/mAP50(B)': 0.71, 'metrics/mAP50-95(B)': 0.52 } },
    error: null,
    resumable: false,
    ...patch,
  };
}

function epoch(n: number, epochs: number, patch: Partial<EpochRecord> = {}): EpochRecord {
  return {
    epoch: n,
    epochs,
    losses: { 'train/box_loss': 2 / n, 'train/cls_loss': 3 / n, 'train/dfl_loss': 1.4 / n },
    metrics: { 'metrics/precision(B)': 0.2 * n, 'metrics/recall(B)': 0.15 * n, 'metrics/mAP50(B)': 0.14 * n, 'metrics/mAP50-95(B)': 0.1 * n, 'val/box_loss': 2.1 / n, 'val/cls_loss': 3.2 / n, 'val/dfl_loss': 1.5 / n },
    lr: { 'lr/pg0': 0.01 / n, 'lr/pg1': 0.01 / n, 'lr/pg2': 0.01 / n },
    epochSeconds: 12,
    elapsedSeconds: 12 * n,
    etaSeconds: 12 * (epochs - n),
    t: 1_700_000_000 + n,
    partial: false,
    ...patch,
  };
}

function detail(run: RunSummary, patch: Partial<RunDetail> = {}): RunDetail {
  return {
    ...run,
    spec: { model: { kind: 'architecture', family: 'yolo11', size: 'n' }, epochs: run.epochs, imgsz: 640, batch: 'auto', optimizer: 'auto', patience: 100, augmentation: 'default', device: 'cpu', seed: 0, advanced: {} },
    epochLog: Array.from({ length: run.epochsDone }, (_, i) => epoch(i + 1, run.epochs)),
    logTail: ['Ultralytics 8.3.40 🚀 Python-3.12.3 torch-2.5.1+cpu CPU', '5 epochs completed in 0.331 hours.'],
    artifacts: [
      { kind: 'best', path: `/projects/demo/runs/${run.id}/weights/best.pt`, bytes: 5_400_000 },
      { kind: 'last', path: `/projects/demo/runs/${run.id}/weights/last.pt`, bytes: 5_400_000 },
    ],
    results: {
      metrics: { 'metrics/precision(B)': 0.8, 'metrics/recall(B)': 0.7, 'metrics/mAP50(B)': 0.71, 'metrics/mAP50-95(B)': 0.52 },
      perClass: [
        { class: 'cat', index: 0, instances: 40, ap50: 0.8, ap50_95: 0.6, precision: 0.85, recall: 0.75 },
        { class: 'dog', index: 1, instances: 25, ap50: 0.62, ap50_95: 0.44, precision: 0.7, recall: 0.6 },
      ],
      confusion: {
        names: ['cat', 'dog', 'background'],
        matrix: [
          [30, 3, 4],
          [2, 18, 2],
          [8, 4, 0],
        ],
      },
      stoppedEarly: false,
      stoppedByUser: false,
    },
    dataset: { dir: `/projects/demo/runs/${run.id}/dataset`, images: 120, perSplit: { train: 84, val: 24, test: 12 }, classes: ['cat', 'dog'] },
    ...patch,
  };
}

function libraryEntry(name: string): WeightsEntry {
  return { name, path: `/home/me/.reticle/weights/${name}`, bytes: 5_613_764, sha256: '0'.repeat(64), task: 'detect', classes: ['person', 'bicycle', 'car'], parameters: 2_616_248, source: { kind: 'download', url: `https://github.com/ultralytics/assets/releases/download/v8.4.0/${name}` }, addedAt: '2025-03-01T09:00:00.000Z', onnx: null };
}

/** The test double of the studio: what it was asked, and a way to push events to the page. */
interface StudioDouble {
  calls: WireCall[];
  runtime: RuntimeStatus;
  library: WeightsLibraryState;
  runs: RunSummary[];
  details: Map<string, RunDetail>;
  socket: () => WebSocketRoute;
  push(channel: string, payload: unknown): void;
  callsTo(channel: string): unknown[];
}

async function openStudioDouble(page: Page, runs: RunSummary[] = [], details: RunDetail[] = [], options: { runtime?: RuntimeStatus; weights?: WeightsEntry[] } = {}): Promise<StudioDouble> {
  test.skip(!fs.existsSync(path.join(RENDERER, 'index.html')), 'the renderer is not built');
  const sockets: WebSocketRoute[] = [];
  const double: StudioDouble = {
    calls: [],
    runtime: options.runtime ?? CPU_RUNTIME,
    library: { dir: '/home/me/.reticle/weights', source: { kind: 'releases', url: 'https://github.com/ultralytics/assets/releases/download/v8.4.0/' }, entries: options.weights ?? [libraryEntry('yolo11n.pt')], pretrained: [] },
    runs,
    details: new Map(details.map((d) => [d.id, d])),
    socket: () => sockets[sockets.length - 1],
    push: (channel, payload) => double.socket().send(JSON.stringify({ t: 'event', channel, payload })),
    callsTo: (channel) => double.calls.filter((c) => c.channel === channel).map((c) => c.input),
  };

  await page.route(`${ORIGIN}/**`, async (route) => {
    const url = new URL(route.request().url());
    const file = path.join(RENDERER, url.pathname === '/' ? 'index.html' : url.pathname);
    if (!file.startsWith(RENDERER) || !fs.existsSync(file)) return route.fulfill({ status: 404 });
    return route.fulfill({ path: file });
  });

  await page.routeWebSocket(`ws://studio.test/api`, (ws) => {
    sockets.push(ws);
    ws.onMessage((raw) => {
      const call = JSON.parse(String(raw)) as WireCall;
      double.calls.push(call);
      const reply = (value: unknown) => ws.send(JSON.stringify({ t: 'result', id: call.id, envelope: { ok: true, value } }));
      const input = (call.input ?? {}) as { runId?: string };
      switch (call.channel) {
        case 'reticle:app.info':
          return reply({ version: 'test', mode: 'serve', platform: 'linux', nativeDialogs: false, uploadsDroppedFiles: true });
        case 'reticle:projects.current':
          return reply({ dir: '/projects/demo', name: 'Demo', task: 'detect', multiLabel: false, createdAt: '2025-01-01', schemaVersion: 1 });
        case 'reticle:classes.list':
          return reply([
            { id: 1, name: 'cat', color: '#ff8800', order: 0 },
            { id: 2, name: 'dog', color: '#0088ff', order: 1 },
          ]);
        case 'reticle:jobs.list':
          return reply([]);
        case 'reticle:images.counts':
          return reply({ all: 0, unlabeled: 0, labeled: 0, byStatus: { new: 0, in_progress: 0, done: 0, review: 0 }, byClass: {} });
        case 'reticle:images.list':
          return reply({ total: 0, offset: 0, items: [] });
        case 'reticle:runtime.check':
          return reply(double.runtime);
        case 'reticle:runtime.install':
          return reply({ jobId: 'runtime-1' });
        case 'reticle:jobs.cancel':
          return reply({ cancelled: true });
        case 'reticle:weights.list':
          return reply(double.library);
        case 'reticle:weights.pull':
          return reply({ jobId: 'weights-1' });
        case 'reticle:training.list':
          return reply(double.runs);
        case 'reticle:training.get': {
          const found = double.details.get(input.runId ?? '');
          if (found) return reply(found);
          const run = double.runs.find((r) => r.id === input.runId);
          if (run) return reply(detail(run, { epochLog: [], results: null, artifacts: [], logTail: [] }));
          return ws.send(JSON.stringify({ t: 'result', id: call.id, envelope: { ok: false, error: { code: 'not_found', message: `no run ${input.runId}` } } }));
        }
        case 'reticle:training.start': {
          const run = summary('run-new', { name: 'first try', status: 'queued', model: 'yolov8s.yaml', epochs: 3, epochsDone: 0, createdAt: '2025-03-02T09:00:00.000Z', startedAt: null, endedAt: null, best: null });
          double.runs = [run, ...double.runs];
          return reply(run);
        }
        case 'reticle:training.stop': {
          // Stopping takes a moment: the answer still says running; the status event follows.
          const run = double.runs.find((r) => r.id === input.runId)!;
          return reply({ ...run, status: 'running' });
        }
        case 'reticle:training.resume': {
          const run = double.runs.find((r) => r.id === input.runId)!;
          return reply({ ...run, status: 'queued' });
        }
        case 'reticle:training.exportModel':
          return reply({ kind: 'onnx', path: `/projects/demo/runs/${input.runId}/weights/best.onnx`, bytes: 10_700_000 });
        default:
          return ws.send(JSON.stringify({ t: 'result', id: call.id, envelope: { ok: false, error: { code: 'unsupported', message: `not scripted: ${call.channel}` } } }));
      }
    });
  });

  await page.goto(`${ORIGIN}/`);
  await expect(page.getByTestId('project-name')).toHaveText('Demo');
  await page.getByRole('tab', { name: 'Training' }).click();
  await expect(page.getByTestId('training-page')).toBeVisible();
  return double;
}

test('train from the form: live charts from epoch events, then stop and resume', async ({ page }) => {
  const studio = await openStudioDouble(page);

  // The runtime check found a working CPU, and it is the best device.
  await expect(page.getByTestId('runtime-state')).toHaveText('Ready');
  const cpu = page.locator('[data-testid=runtime-device][data-device=cpu]');
  await expect(cpu).toBeVisible();
  await expect(cpu).toHaveAttribute('data-best', 'true');
  await expect(page.getByTestId('runtime-versions')).toContainText('Ultralytics 8.3.40');

  // Fill the form; a wrong image size is caught before anything is sent.
  const form = page.getByTestId('training-form');
  await expect(form.getByTestId('model-source-pretrained')).toBeChecked();
  await form.getByTestId('model-source-architecture').check();
  await form.getByTestId('model-family').selectOption('yolov8');
  await form.getByTestId('model-size').selectOption('s');
  await form.getByTestId('run-name').fill('first try');
  await form.getByTestId('epochs').fill('3');
  await form.getByTestId('imgsz').fill('300');
  await form.getByTestId('batch-auto').uncheck();
  await form.getByTestId('batch').fill('4');
  await form.getByTestId('optimizer').selectOption('AdamW');
  await form.getByTestId('device').selectOption('cpu');
  await form.getByTestId('train-button').click();
  await expect(form.getByTestId('field-error-imgsz')).toContainText('multiple of 32');
  expect(studio.callsTo('reticle:training.start')).toEqual([]);

  await form.getByTestId('imgsz').fill('320');
  await expect(form.getByTestId('field-error-imgsz')).toBeHidden();
  await form.getByTestId('train-button').click();
  await expect.poll(() => studio.callsTo('reticle:training.start').length).toBe(1);
  expect(studio.callsTo('reticle:training.start')[0]).toEqual({
    name: 'first try',
    model: { kind: 'architecture', family: 'yolov8', size: 's' },
    epochs: 3,
    imgsz: 320,
    batch: 4,
    optimizer: 'AdamW',
    patience: 100,
    augmentation: 'default',
    device: 'cpu',
    seed: 0,
    advanced: {},
  });

  const live = page.getByTestId('live-run');
  await expect(live).toHaveAttribute('data-run-id', 'run-new');
  await expect(live.getByTestId('run-status')).toHaveText('Queued');

  // The studio reports the run running, batches, then epochs: the charts follow each one.
  const run = studio.runs[0];
  studio.push('reticle:training.onStatus', { ...run, status: 'running', startedAt: '2025-03-02T09:00:02.000Z' });
  await expect(live.getByTestId('run-status')).toHaveText('Running');
  const progress: TrainingProgress = { runId: 'run-new', epoch: 1, epochs: 3, batch: 7, batches: 21, losses: { 'train/box_loss': 2.2 } };
  studio.push('reticle:training.onProgress', progress);
  await expect(live.getByTestId('batch-count')).toHaveText('batch 7 / 21');
  await expect(live.getByTestId('batch-progress')).toHaveAttribute('aria-valuenow', '7');

  const losses = page.getByTestId('chart-losses');
  studio.push('reticle:training.onEpoch', { runId: 'run-new', epoch: epoch(1, 3) });
  await expect(losses).toHaveAttribute('data-points', '1');
  await expect(losses.locator('canvas')).toHaveCount(1);
  studio.push('reticle:training.onEpoch', { runId: 'run-new', epoch: epoch(2, 3) });
  studio.push('reticle:training.onEpoch', { runId: 'run-new', epoch: epoch(3, 3, { partial: true }) });
  for (const chart of ['chart-losses', 'chart-map', 'chart-pr', 'chart-lr']) {
    await expect(page.getByTestId(chart)).toHaveAttribute('data-points', '3');
    await expect(page.getByTestId(chart).locator('canvas')).toHaveCount(1);
  }
  // Every loss (train and val) is on the losses chart, three points each.
  await expect(losses).toHaveAttribute('data-series', '6');
  await expect(losses).toHaveAttribute('data-series-points', '3,3,3,3,3,3');
  await expect(page.getByTestId('chart-map')).toHaveAttribute('data-series', '2');
  await expect(live.getByTestId('live-epoch')).toContainText('/ 3');

  // A replayed epoch replaces its namesake: still three points.
  studio.push('reticle:training.onEpoch', { runId: 'run-new', epoch: epoch(3, 3, { t: 1_800_000_000 }) });
  await expect(live.getByTestId('live-map')).toHaveText('0.300');
  await expect(losses).toHaveAttribute('data-points', '3');

  // Stop: the call goes out, the button says so until the studio reports the run stopped.
  const stop = live.getByTestId('stop-button');
  await stop.click();
  await expect.poll(() => studio.callsTo('reticle:training.stop')).toEqual([{ runId: 'run-new' }]);
  await expect(stop).toHaveText('stopping…');
  await expect(stop).toBeDisabled();
  studio.push('reticle:training.onStatus', { ...run, status: 'stopped', epochsDone: 2, resumable: true, endedAt: '2025-03-02T09:01:00.000Z' });
  await expect(live.getByTestId('run-status')).toHaveText('Stopped');
  await expect(live.getByTestId('stop-button')).toBeHidden();
  const resume = live.getByTestId('resume-button');
  await expect(resume).toBeVisible();
  await resume.click();
  await expect.poll(() => studio.callsTo('reticle:training.resume')).toEqual([{ runId: 'run-new' }]);
  await expect(live.getByTestId('run-status')).toHaveText('Queued');

  // The history lists the run with its status, kept current by the events.
  await expect(page.locator('[data-testid=run-row][data-run-id=run-new]')).toHaveAttribute('data-status', 'queued');
});

test('pretrained weights are the default; ones the library lacks are downloaded first, with progress and cancel', async ({ page }) => {
  const studio = await openStudioDouble(page, [], [], { weights: [] });
  const form = page.getByTestId('training-form');
  await expect(form.getByTestId('model-source-pretrained')).toBeChecked();
  await expect(form.getByTestId('model-source-pretrained').locator('..')).toContainText('Pretrained on COCO (recommended)');
  await expect(form.getByTestId('model-source-architecture').locator('..')).toContainText('tens of thousands of images');
  await expect(form.getByTestId('pretrained-status')).toContainText('yolo11n.pt');
  await expect(form.getByTestId('pretrained-status')).toContainText('will be downloaded from Ultralytics’ releases');

  // Train: the weights are fetched first; the run waits for them.
  await form.getByTestId('epochs').fill('3');
  await form.getByTestId('train-button').click();
  await expect.poll(() => studio.callsTo('reticle:weights.pull')).toEqual([{ name: 'yolo11n.pt' }]);
  studio.push('reticle:jobs.onProgress', { jobId: 'weights-1', kind: 'weights', phase: 'working', done: 2_621_440, total: 5_242_880, current: 'yolo11n.pt' });
  const job = form.getByTestId('weights-job');
  await expect(job).toContainText('Downloading yolo11n.pt');
  await expect(job.getByTestId('weights-job-progress')).toHaveText('2.5 MB of 5.0 MB (50%)');
  await expect(form.getByTestId('train-button')).toHaveText('Downloading weights…');
  await job.getByTestId('weights-job-cancel').click();
  await expect.poll(() => studio.callsTo('reticle:jobs.cancel')).toEqual([{ jobId: 'weights-1' }]);
  expect(studio.callsTo('reticle:training.start')).toEqual([]);

  // This time the fetch finishes (the cancel came too late): the run starts from the library's copy.
  studio.library = { ...studio.library, entries: [libraryEntry('yolo11n.pt')] };
  studio.push('reticle:jobs.onFinished', { jobId: 'weights-1', kind: 'weights', status: 'ok', report: { added: [libraryEntry('yolo11n.pt')], refused: [] } });
  await expect.poll(() => studio.callsTo('reticle:training.start').length).toBe(1);
  expect(studio.callsTo('reticle:training.start')[0]).toMatchObject({ model: { kind: 'pretrained', name: 'yolo11n.pt' }, epochs: 3 });
  await expect(page.getByTestId('live-run')).toHaveAttribute('data-run-id', 'run-new');
  await expect(form.getByTestId('pretrained-status')).toContainText('in the library, 5.4 MB');
});

test('a download that fails says what to do, and no run starts', async ({ page }) => {
  const studio = await openStudioDouble(page, [], [], { weights: [] });
  const form = page.getByTestId('training-form');
  await form.getByTestId('model-family').selectOption('yolo26');
  await form.getByTestId('model-size').selectOption('s');
  await expect(form.getByTestId('pretrained-status')).toContainText('yolo26s.pt');
  await form.getByTestId('train-button').click();
  await expect.poll(() => studio.callsTo('reticle:weights.pull')).toEqual([{ name: 'yolo26s.pt' }]);
  const message = 'Could not download yolo26s.pt from github.com: no route to host. Set a mirror in the Weights tab, or add the file you have.';
  studio.push('reticle:jobs.onFinished', { jobId: 'weights-1', kind: 'weights', status: 'failed', error: { code: 'offline', message } });
  await expect(form.getByTestId('training-start-error').locator('.error-text')).toHaveText(message);
  await expect(form.getByTestId('train-button')).toHaveText('Train');
  expect(studio.callsTo('reticle:training.start')).toEqual([]);
});

test('a completed run shows its results, and other runs overlay their curves on the charts', async ({ page }) => {
  const older = summary('run-a', { name: 'baseline', createdAt: '2025-03-01T08:00:00.000Z', epochs: 4, epochsDone: 4 });
  const newer = summary('run-b', { name: 'bigger images', createdAt: '2025-03-01T12:00:00.000Z', epochs: 5, epochsDone: 5 });
  const studio = await openStudioDouble(page, [newer, older], [detail(newer), detail(older)]);

  // The newest run is in view, with its results.
  await expect(page.getByTestId('live-run')).toHaveAttribute('data-run-id', 'run-b');
  await expect(page.getByTestId('live-run').getByTestId('run-status')).toHaveText('Completed');
  const results = page.getByTestId('run-results');
  await expect(results).toBeVisible();
  await expect(results.getByTestId('best-epoch')).toContainText('best epoch 5');
  await expect(results.getByTestId('result-metrics')).toContainText('0.520');

  const rows = results.getByTestId('per-class-row');
  await expect(rows).toHaveCount(2);
  await expect(rows.first()).toHaveAttribute('data-class', 'cat');
  await expect(rows.first()).toContainText('0.800');
  await expect(rows.first()).toContainText('40');

  // Rows predicted, columns true, background last; normalized per column by default.
  const matrix = results.getByTestId('confusion-matrix');
  await expect(matrix).toHaveAttribute('data-size', '3');
  await expect(matrix.getByTestId('confusion-cell')).toHaveCount(9);
  await expect(matrix.locator('th.col-name')).toHaveText(['cat', 'dog', 'background']);
  await expect(matrix.locator('th.row-name')).toHaveText(['cat', 'dog', 'background']);
  await expect(matrix.getByTestId('confusion-cell').first()).toHaveText('0.75');
  await matrix.getByTestId('confusion-normalize').uncheck();
  await expect(matrix.getByTestId('confusion-cell').first()).toHaveText('30');

  await expect(results.getByTestId('artifact')).toHaveCount(2);
  await expect(results.getByTestId('artifact').first()).toContainText('5.1 MB');
  await expect(results.getByTestId('log-tail')).toContainText('Log (last 2 lines)');

  // Export the model: the call goes out and the path comes back.
  await results.getByTestId('export-format').selectOption('onnx');
  await results.getByTestId('export-model-button').click();
  await expect(results.getByTestId('export-result')).toContainText('/projects/demo/runs/run-b/weights/best.onnx');
  expect(studio.callsTo('reticle:training.exportModel')).toEqual([{ runId: 'run-b', format: 'onnx', weights: 'best' }]);

  // Overlay the older run: its epochs load and join the charts, one colour per run.
  const map = page.getByTestId('chart-map');
  await expect(map).toHaveAttribute('data-series', '2');
  await expect(map).toHaveAttribute('data-points', '5');
  await page.locator('[data-testid=run-row][data-run-id=run-a]').getByTestId('run-overlay').check();
  await expect.poll(() => studio.callsTo('reticle:training.get')).toContainEqual({ runId: 'run-a' });
  await expect(map).toHaveAttribute('data-series', '4');
  await expect(map).toHaveAttribute('data-series-points', '5,5,4,4');
  await expect(page.getByTestId('overlay-legend')).toContainText('baseline');
  await expect(map.locator('canvas')).toHaveCount(1);

  // View the older run instead: its own results come up.
  await page.locator('[data-testid=run-row][data-run-id=run-a]').getByTestId('run-open').click();
  await expect(page.getByTestId('live-run')).toHaveAttribute('data-run-id', 'run-a');
  await expect(page.getByTestId('run-results')).toHaveAttribute('data-run-id', 'run-a');
});

test('a missing runtime is set up from the page, its output shown live', async ({ page }) => {
  const missing: RuntimeStatus = {
    ready: false,
    python: null,
    source: 'none',
    env: null,
    problems: [{ message: 'No Python runtime for training is set up.', action: 'Press "Set up the runtime" to install one (about 2 GB).' }],
    bestDevice: null,
  };
  const studio = await openStudioDouble(page, [], [], { runtime: missing });
  const panel = page.getByTestId('runtime-panel');
  await expect(panel.getByTestId('runtime-state')).toHaveText('Not ready');
  await expect(panel.getByTestId('runtime-problem')).toContainText('No Python runtime for training is set up.');
  await expect(page.getByTestId('train-button')).toBeDisabled();

  await panel.getByTestId('runtime-install').click();
  await expect.poll(() => studio.callsTo('reticle:runtime.install')).toEqual([{ mode: 'install' }]);
  for (const [done, line] of [
    [1, 'Creating the virtual environment'],
    [2, 'Installing torch 2.5.1 (cpu)'],
    [3, 'Installing ultralytics 8.3.40'],
  ] as const) {
    studio.push('reticle:jobs.onProgress', { jobId: 'runtime-1', kind: 'runtime', phase: 'working', done, total: 4, current: line });
  }
  const install = panel.getByTestId('runtime-install-progress');
  await expect(install.getByTestId('runtime-install-log')).toHaveText(['Creating the virtual environment\nInstalling torch 2.5.1 (cpu)\nInstalling ultralytics 8.3.40']);
  await expect(install.getByTestId('runtime-install-cancel')).toBeEnabled();

  studio.push('reticle:jobs.onFinished', { jobId: 'runtime-1', kind: 'runtime', status: 'ok', report: CPU_RUNTIME });
  await expect(panel.getByTestId('runtime-state')).toHaveText('Ready');
  await expect(install).toHaveAttribute('data-status', 'ok');
  await expect(panel.locator('[data-testid=runtime-device][data-device=cpu]')).toBeVisible();
  await expect(page.getByTestId('train-button')).toBeEnabled();
});

test('a long run: 1,000 epochs land on the same charts, which are never made again', async ({ page }) => {
  test.setTimeout(120_000);
  const studio = await openStudioDouble(page);
  await page.getByTestId('train-button').click();
  await expect.poll(() => studio.callsTo('reticle:training.start').length).toBe(1);
  studio.push('reticle:training.onStatus', { ...studio.runs[0], status: 'running', epochs: 1000 });
  studio.push('reticle:training.onEpoch', { runId: 'run-new', epoch: epoch(1, 1000) });
  const charts = ['chart-losses', 'chart-map', 'chart-pr', 'chart-lr'];
  for (const chart of charts) await expect(page.getByTestId(chart)).toHaveAttribute('data-points', '1');
  // Mark each chart's canvas: a chart made again would bring a new, unmarked one.
  await page.evaluate((ids) => ids.forEach((id) => Object.assign(document.querySelector(`[data-testid=${id}] canvas`)!, { __first: true })), charts);

  // Each event redraws all four charts: about 5 to 10 ms an epoch at 1,000 points on a small
  // machine, against one epoch every few seconds in a real run. Time is not asserted here.
  for (let n = 2; n <= 1000; n++) studio.push('reticle:training.onEpoch', { runId: 'run-new', epoch: epoch(n, 1000) });
  for (const chart of charts) await expect(page.getByTestId(chart)).toHaveAttribute('data-points', '1000', { timeout: 90_000 });
  const same = await page.evaluate((ids) => ids.map((id) => (document.querySelector(`[data-testid=${id}] canvas`) as unknown as { __first?: boolean }).__first === true), charts);
  expect(same).toEqual([true, true, true, true]);
  await expect(page.getByTestId('live-epoch')).toContainText('/ 1000');
});
