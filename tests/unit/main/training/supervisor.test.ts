/**
 * The training supervisor against the real runtime process, with torch and Ultralytics played by
 * the runtime's test doubles: runs, stops, resumes, crashes, restarts and the queue, as the user
 * sees them through the API (statuses, epochs, artifacts, the log).
 */
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import type { RunSummary } from '@shared';
import { deadPid, holdAt, pidAlive, quickSpec, trainingStudio, waitForEpoch } from './training-fixture.js';

function runDir(projectDir: string, runId: string): string {
  return path.join(projectDir, 'runs', runId);
}

describe('training supervisor', () => {
  it('trains a run to the end: every epoch stored and pushed, artifacts and results recorded', async () => {
    const hold = holdAt(2);
    const t = await trainingStudio({ env: hold.env });
    const queued = await t.api.training.start(quickSpec());
    expect(queued).toMatchObject({ status: expect.stringMatching(/queued|running/), model: 'yolo11n.yaml', epochs: 3, epochsDone: 0, device: 'cpu' });
    // Each epoch reaches the UI as its own event while the run goes on: epoch 1 is there while
    // the trainer waits before epoch 2, not only once the run has ended.
    await hold.parked();
    await waitForEpoch(t, queued.id, 1);
    expect(t.epochEvents(queued.id).map((e) => e.epoch.epoch)).toEqual([1]);
    expect(t.statuses(queued.id)).toEqual(['queued', 'running']);
    hold.release();
    const done = await t.waitFor(queued.id, ['completed', 'failed']);
    expect(done.status, JSON.stringify(done.error)).toBe('completed');
    expect(t.statuses(queued.id)).toEqual(['queued', 'running', 'completed']);

    const detail = await t.api.training.get({ runId: queued.id });
    expect(detail.epochsDone).toBe(3);
    expect(detail.epochLog.map((e) => e.epoch)).toEqual([1, 2, 3]);
    expect(detail.epochLog[0]).toMatchObject({ epochs: 3, partial: false, losses: { 'train/box_loss': expect.any(Number) }, metrics: { 'metrics/mAP50-95(B)': expect.any(Number) } });
    expect(detail.best).toMatchObject({ epoch: 3, metrics: { 'metrics/mAP50-95(B)': expect.any(Number) } });
    expect(detail.results).toMatchObject({ stoppedByUser: false, stoppedEarly: false, perClass: [{ class: 'red' }, { class: 'blue' }] });
    expect(detail.results!.confusion?.names).toEqual(['red', 'blue', 'background']);
    expect(detail.artifacts.map((a) => a.kind).sort()).toEqual(['best', 'last', 'results']);
    for (const a of detail.artifacts) expect(fs.statSync(a.path).size).toBe(a.bytes);
    expect(detail.resumable).toBe(false);
    expect(detail.startedAt).not.toBeNull();
    expect(detail.endedAt).not.toBeNull();

    // Each epoch reached the UI as its own event, in order.
    expect(t.epochEvents(queued.id).map((e) => e.epoch.epoch)).toEqual([1, 2, 3]);

    // The dataset snapshot: the exact images, hard-linked from the media store.
    expect(detail.dataset).toMatchObject({ images: 24, classes: ['red', 'blue'] });
    expect(detail.dataset!.perSplit.train + detail.dataset!.perSplit.val + detail.dataset!.perSplit.test).toBe(24);
    const snapshotImages = fs.readdirSync(path.join(detail.dataset!.dir, 'images', 'train'));
    expect(fs.statSync(path.join(detail.dataset!.dir, 'images', 'train', snapshotImages[0])).nlink).toBeGreaterThanOrEqual(2);

    // What the runtime was asked to do.
    const spec = JSON.parse(fs.readFileSync(path.join(runDir(t.dir, queued.id), 'spec.json'), 'utf8'));
    expect(spec).toMatchObject({ model: 'yolo11n.yaml', epochs: 3, imgsz: 64, batch: 4, device: 'cpu', name: 'train', resume: false, stop_file: path.join(runDir(t.dir, queued.id), 'stop') });
    expect(spec.data).toBe(path.join(detail.dataset!.dir, 'data.yaml'));
    expect(spec.hyperparameters).toEqual({ optimizer: 'auto', patience: 100, seed: 0 });
    expect((await t.api.training.list()).map((r) => r.id)).toEqual([queued.id]);
  });

  it('stops a run cleanly: stopped and resumable, and resume trains the remaining epochs', async () => {
    // The stop lands while the trainer is in epoch 2 (parked before its first batch).
    const hold = holdAt(2);
    const t = await trainingStudio({ env: hold.env });
    const run = await t.api.training.start(quickSpec({ epochs: 4, batch: 2 }));
    await hold.parked();
    await t.api.training.stop({ runId: run.id });
    const stopped = await t.waitFor(run.id, ['stopped', 'completed', 'failed']);
    // Epoch 2 ended at its first batch: reported, marked cut short; epochs 3 and 4 were not trained.
    expect(stopped).toMatchObject({ status: 'stopped', resumable: true, error: null, epochsDone: 2 });
    hold.release();
    const afterStop = await t.api.training.get({ runId: run.id });
    expect(afterStop.epochLog.map((e) => [e.epoch, e.partial])).toEqual([
      [1, false],
      [2, true],
    ]);
    expect(afterStop.results?.stoppedByUser).toBe(true);
    expect(fs.existsSync(path.join(runDir(t.dir, run.id), 'stop'))).toBe(false);

    const resumed = await t.api.training.resume({ runId: run.id });
    expect(resumed.status).toMatch(/queued|running/);
    const spec = JSON.parse(fs.readFileSync(path.join(runDir(t.dir, run.id), 'spec.json'), 'utf8'));
    expect(spec.resume).toBe(true);
    const done = await t.waitFor(run.id, ['completed', 'failed'], 60_000);
    expect(done.status, JSON.stringify(done.error)).toBe('completed');
    const detail = await t.api.training.get({ runId: run.id });
    expect(detail.epochLog.map((e) => e.epoch)).toEqual([1, 2, 3, 4]);
    expect(detail.epochsDone).toBe(4);
    expect(t.statuses(run.id)).toEqual(['queued', 'running', 'stopped', 'queued', 'running', 'completed']);
    expect(detail.logTail.some((l) => l.includes('resuming after epoch'))).toBe(true);
  }, 90_000);

  it('marks a run whose process is killed as failed, with why, and it can be resumed', async () => {
    const hold = holdAt(2);
    const t = await trainingStudio({ env: hold.env });
    const run = await t.api.training.start(quickSpec({ epochs: 6, batch: 2 }));
    await hold.parked();
    const pid = t.studio.session.require().store.db.prepare('SELECT pid FROM runs WHERE id = ?').pluck().get(run.id) as number;
    expect(pidAlive(pid)).toBe(true);
    process.kill(pid, 'SIGKILL');
    // The supervisor learns of the death from the process itself (its exit), not by polling:
    // waitFor's 30 s is a hang guard.
    const failed = await t.waitFor(run.id, ['failed', 'completed', 'stopped']);
    expect(failed.status).toBe('failed');
    expect(failed.error?.message).toMatch(/stopped unexpectedly: it was killed \(SIGKILL\)/);
    expect(failed.error?.hint).toMatch(/lower the batch size/);
    expect(failed.resumable).toBe(true);

    hold.release();
    const resumed = await t.api.training.resume({ runId: run.id });
    expect(resumed.error).toBeNull();
    const done = await t.waitFor(run.id, ['completed'], 60_000);
    expect(done.epochsDone).toBe(6);
  }, 90_000);

  it('reports a trainer that dies mid-epoch (exit status 137) with its last log lines', async () => {
    const t = await trainingStudio({ env: { ULTRALYTICS_DOUBLE_CRASH_AT_EPOCH: '2' } });
    const run = await t.api.training.start(quickSpec());
    const failed = await t.waitFor(run.id, ['failed', 'completed'], 20_000);
    expect(failed.status).toBe('failed');
    expect(failed.error?.message).toMatch(/exit status 137/);
    expect(failed.error?.message).toMatch(/crashing on purpose in epoch 2/);
    expect(failed.epochsDone).toBe(1);
    const detail = await t.api.training.get({ runId: run.id });
    expect(detail.epochLog.map((e) => e.epoch)).toEqual([1]);
    expect(detail.logTail.join('\n')).toMatch(/crashing on purpose/);
  });

  it('logs and ignores stdout lines that are not protocol messages', async () => {
    const t = await trainingStudio({ env: { ULTRALYTICS_DOUBLE_GARBAGE_AT_EPOCH: '2' } });
    const run = await t.api.training.start(quickSpec());
    const done = await t.waitFor(run.id, ['completed', 'failed']);
    expect(done.status, JSON.stringify(done.error)).toBe('completed');
    const detail = await t.api.training.get({ runId: run.id });
    expect(detail.epochLog.map((e) => e.epoch)).toEqual([1, 2, 3]);
    const ignored = detail.logTail.filter((l) => l.includes('ignored a stdout line'));
    expect(ignored).toHaveLength(6);
    expect(ignored.join('\n')).toMatch(/not JSON/);
    expect(ignored.join('\n')).toMatch(/protocol version 2/);
    expect(ignored.join('\n')).toMatch(/unknown message type "mystery"/);
    expect(ignored.join('\n')).toMatch(/invalid epoch message/);
    expect(fs.readFileSync(path.join(runDir(t.dir, run.id), 'train.log'), 'utf8')).toMatch(/ignored a stdout line/);
  });

  it('queues a second run behind the first, and starts it when the first ends', async () => {
    // The first run cannot end before the test lets it: it waits at its first batch.
    const hold = holdAt(1);
    const t = await trainingStudio({ env: hold.env });
    const first = await t.api.training.start(quickSpec({ epochs: 2, batch: 2, name: 'first' }));
    const second = await t.api.training.start(quickSpec({ epochs: 1, batch: 2, name: 'second' }));
    expect(second.status).toBe('queued');
    expect((await t.api.training.list()).find((r) => r.id === first.id)?.status).toBe('running');
    hold.release();
    const secondDone = await t.waitFor(second.id, ['completed', 'failed'], 60_000);
    expect(secondDone.status).toBe('completed');
    const firstDone = (await t.api.training.get({ runId: first.id })) as RunSummary;
    expect(firstDone.status).toBe('completed');
    expect(new Date(secondDone.startedAt!).getTime()).toBeGreaterThanOrEqual(new Date(firstDone.endedAt!).getTime());
    expect((await t.api.training.list()).map((r) => r.name)).toEqual(['second', 'first']);
  }, 90_000);

  it('stopping a queued run takes it off the queue; resume queues it again', async () => {
    const hold = holdAt(1);
    const t = await trainingStudio({ env: hold.env });
    const first = await t.api.training.start(quickSpec({ epochs: 2, batch: 2 }));
    const second = await t.api.training.start(quickSpec({ epochs: 1 }));
    expect(await t.api.training.stop({ runId: second.id })).toMatchObject({ status: 'stopped', resumable: true });
    hold.release();
    await t.waitFor(first.id, ['completed'], 60_000);
    expect((await t.api.training.get({ runId: second.id })).status).toBe('stopped');
    await t.api.training.resume({ runId: second.id });
    expect((await t.waitFor(second.id, ['completed', 'failed'], 30_000)).status).toBe('completed');
  }, 90_000);

  it('kills a trainer that does not stop within the grace period, and keeps it resumable', async () => {
    // A trainer stuck in epoch 2 that ignores the stop request: only the kill can end it.
    const hold = holdAt(2);
    const t = await trainingStudio({ env: { ...hold.env, ULTRALYTICS_DOUBLE_IGNORE_STOP: '1' }, stopGraceMs: 800 });
    const run = await t.api.training.start(quickSpec({ epochs: 20, batch: 2 }));
    await hold.parked();
    const pid = t.studio.session.require().store.db.prepare('SELECT pid FROM runs WHERE id = ?').pluck().get(run.id) as number;
    await t.api.training.stop({ runId: run.id });
    // Asked first, not killed at once: the trainer is still there when the stop call answers.
    expect(pidAlive(pid)).toBe(true);
    const stopped = await t.waitFor(run.id, ['stopped', 'failed', 'completed']);
    expect(stopped).toMatchObject({ status: 'stopped', resumable: true });
    expect(pidAlive(pid)).toBe(false);
    const log = (await t.api.training.get({ runId: run.id })).logTail.join('\n');
    expect(log).toMatch(/stop requested: asking the trainer to finish the epoch early[\s\S]*did not end within 1 s of the stop request: killing it/);
  });

  it('a run left running by a studio that died is interrupted on open, and resumes', async () => {
    const hold = holdAt(2);
    const a = await trainingStudio({ env: hold.env });
    const run = await a.api.training.start(quickSpec({ epochs: 3, batch: 2 }));
    await hold.parked();
    await a.api.training.stop({ runId: run.id });
    await a.waitFor(run.id, ['stopped']);
    await a.dispose();
    // As a crash leaves it: still "running", its trainer and its studio long gone.
    const db = new Database(path.join(a.dir, 'project.db'));
    db.prepare("UPDATE runs SET status = 'running', pid = ?, owner_pid = ?, ended_at = NULL, resumable = 0 WHERE id = ?").run(deadPid(), deadPid(), run.id);
    db.close();

    const b = await trainingStudio({ dir: a.dir });
    const [seen] = await b.api.training.list();
    expect(seen).toMatchObject({ id: run.id, status: 'interrupted', resumable: true });
    await b.api.training.resume({ runId: run.id });
    const done = await b.waitFor(run.id, ['completed', 'failed'], 60_000);
    expect(done.status, JSON.stringify(done.error)).toBe('completed');
    expect((await b.api.training.get({ runId: run.id })).epochLog.map((e) => e.epoch)).toEqual([1, 2, 3]);
  }, 90_000);

  it('a run left queued is interrupted on open, and resume starts it from the beginning', async () => {
    // The first run cannot finish on its own before the studio goes: it waits in epoch 2.
    const a = await trainingStudio({ env: holdAt(2).env });
    const first = await a.api.training.start(quickSpec({ epochs: 50, batch: 2 }));
    const waiting = await a.api.training.start(quickSpec({ epochs: 2 }));
    await a.dispose();
    const db = new Database(path.join(a.dir, 'project.db'));
    db.prepare("UPDATE runs SET status = 'queued', owner_pid = ?, ended_at = NULL WHERE id = ?").run(deadPid(), waiting.id);
    db.close();

    const b = await trainingStudio({ dir: a.dir });
    const runs = await b.api.training.list();
    expect(runs.find((r) => r.id === first.id)).toMatchObject({ status: 'interrupted' });
    expect(runs.find((r) => r.id === waiting.id)).toMatchObject({ status: 'interrupted', resumable: true, epochsDone: 0 });
    await b.api.training.resume({ runId: waiting.id });
    expect((await b.waitFor(waiting.id, ['completed', 'failed'], 30_000)).status).toBe('completed');
  }, 60_000);

  it('leaves alone a run another live studio process is supervising', async () => {
    const a = await trainingStudio();
    const run = await a.api.training.start(quickSpec({ epochs: 1 }));
    await a.waitFor(run.id, ['completed']);
    await a.dispose();
    const db = new Database(path.join(a.dir, 'project.db'));
    // process.ppid: alive, and not this process.
    db.prepare("UPDATE runs SET status = 'running', pid = NULL, owner_pid = ? WHERE id = ?").run(process.ppid, run.id);
    db.close();
    const b = await trainingStudio({ dir: a.dir });
    expect((await b.api.training.list())[0].status).toBe('running');
    await expect(b.api.training.stop({ runId: run.id })).rejects.toMatchObject({ code: 'conflict' });
    await expect(b.api.training.resume({ runId: run.id })).rejects.toMatchObject({ code: 'conflict' });
  });

  it('closing the project stops the trainer politely: interrupted, resumable, no process left', async () => {
    // Closed while the trainer is in epoch 2; only the stop request lets it go on from there.
    const hold = holdAt(2);
    const t = await trainingStudio({ env: hold.env });
    const run = await t.api.training.start(quickSpec({ epochs: 30, batch: 2 }));
    await hold.parked();
    await waitForEpoch(t, run.id, 1);
    const pid = t.studio.session.require().store.db.prepare('SELECT pid FROM runs WHERE id = ?').pluck().get(run.id) as number;
    await t.api.projects.close();
    expect(pidAlive(pid)).toBe(false);
    expect(t.statuses(run.id).at(-1)).toBe('interrupted');
    await t.api.projects.open({ dir: t.dir });
    const [after] = await t.api.training.list();
    expect(after).toMatchObject({ status: 'interrupted', resumable: true });
    expect(after.epochsDone).toBeGreaterThanOrEqual(1);
  });

  it('exports a finished run to ONNX and records the file', async () => {
    const t = await trainingStudio();
    const run = await t.api.training.start(quickSpec({ epochs: 1 }));
    await t.waitFor(run.id, ['completed']);
    const onnx = await t.api.training.exportModel({ runId: run.id, format: 'onnx' });
    expect(onnx).toMatchObject({ kind: 'onnx', path: path.join(runDir(t.dir, run.id), 'train', 'weights', 'best.onnx') });
    expect(fs.statSync(onnx.path).size).toBe(onnx.bytes);
    expect((await t.api.training.get({ runId: run.id })).artifacts.map((a) => a.kind)).toContain('onnx');
    await expect(t.api.training.exportModel({ runId: run.id, format: 'coreml' })).rejects.toMatchObject({ code: 'unsupported', message: /coremltools/ });
  });

  it('continues from an earlier run: its best.pt is the model', async () => {
    const t = await trainingStudio();
    const first = await t.api.training.start(quickSpec({ epochs: 1, name: 'base' }));
    await t.waitFor(first.id, ['completed']);
    const second = await t.api.training.start(quickSpec({ model: { kind: 'run', runId: first.id }, epochs: 1 }));
    expect(second.model).toBe('best.pt of base');
    expect((await t.waitFor(second.id, ['completed', 'failed'])).status).toBe('completed');
    const spec = JSON.parse(fs.readFileSync(path.join(runDir(t.dir, second.id), 'spec.json'), 'utf8'));
    expect(spec.model).toBe(path.join(runDir(t.dir, first.id), 'train', 'weights', 'best.pt'));
  });

  it('a runtime failure is a failed run with the runtime\'s message and hint', async () => {
    // The torch double plays a CUDA box: 'auto' picks GPU 0, which the Ultralytics double cannot find.
    const t = await trainingStudio({ env: { TORCH_DOUBLE_PROFILE: 'cuda' } });
    const run = await t.api.training.start(quickSpec({ device: 'auto', batch: 'auto' }));
    expect(run.device).toBe('0');
    const spec = JSON.parse(fs.readFileSync(path.join(runDir(t.dir, run.id), 'spec.json'), 'utf8'));
    expect(spec).toMatchObject({ device: '0', batch: -1 });
    const failed = await t.waitFor(run.id, ['failed', 'completed']);
    expect(failed).toMatchObject({ status: 'failed', resumable: false, error: { code: 'not_found', message: "GPU '0' was not found.", hint: expect.stringMatching(/Pick another device/) } });
  });
});

describe('starting a run checks what it is asked for', () => {
  it('refuses unknown or misplaced advanced settings, missing weights and runs without weights', async () => {
    const t = await trainingStudio();
    await expect(t.api.training.start(quickSpec({ advanced: { warp_speed: 9 } }))).rejects.toMatchObject({ code: 'invalid_input', message: /"warp_speed" is not an Ultralytics training setting/ });
    await expect(t.api.training.start(quickSpec({ advanced: { lr0: 0.1 } }))).rejects.toMatchObject({ code: 'invalid_input', message: /"lr0" has its own setting/ });
    await expect(t.api.training.start(quickSpec({ advanced: { mosaic: 'lots' } }))).rejects.toMatchObject({ code: 'invalid_input', message: /"mosaic" takes number values/ });
    await expect(t.api.training.start(quickSpec({ model: { kind: 'weights', path: '/nowhere/best.pt' } }))).rejects.toMatchObject({ code: 'not_found' });
    await expect(t.api.training.start(quickSpec({ model: { kind: 'run', runId: 'nope' } }))).rejects.toMatchObject({ code: 'not_found' });
    expect(await t.api.training.list()).toEqual([]);
    expect(fs.readdirSync(path.join(t.dir, 'runs'))).toEqual([]);
  });

  it('refuses a project with nothing labeled, leaving no run behind', async () => {
    const t = await trainingStudio({ images: 0 });
    await expect(t.api.training.start(quickSpec())).rejects.toMatchObject({ code: 'invalid_input', message: /Nothing to export/ });
    expect(fs.readdirSync(path.join(t.dir, 'runs'))).toEqual([]);
  });

  it('spells out augmentation presets and advanced settings for the runtime', async () => {
    const t = await trainingStudio();
    const run = await t.api.training.start(quickSpec({ augmentation: 'none', advanced: { fliplr: 0.25, cos_lr: true }, lr0: 0.002, optimizer: 'AdamW', seed: 7, epochs: 1 }));
    const spec = JSON.parse(fs.readFileSync(path.join(runDir(t.dir, run.id), 'spec.json'), 'utf8'));
    expect(spec.hyperparameters).toMatchObject({ mosaic: 0, fliplr: 0.25, hsv_h: 0, hsv_s: 0, hsv_v: 0, cos_lr: true, lr0: 0.002, optimizer: 'AdamW', seed: 7 });
    expect((await t.waitFor(run.id, ['completed', 'failed'])).status).toBe('completed');
  });

  it('freezes the split it is given, and uses the project split otherwise', async () => {
    const t = await trainingStudio({ images: 20 });
    const given = await t.api.training.start(quickSpec({ split: [0.5, 0.5, 0], epochs: 1 }));
    expect((await t.api.training.get({ runId: given.id })).dataset?.perSplit).toEqual({ train: 10, val: 10, test: 0 });
    await t.api.splits.apply({ ratios: [0.7, 0.3, 0], seed: 3 });
    const own = await t.api.training.start(quickSpec({ epochs: 1 }));
    expect((await t.api.training.get({ runId: own.id })).dataset?.perSplit).toEqual({ train: 14, val: 6, test: 0 });
    await t.waitFor(own.id, ['completed', 'failed']);
  });
});

describe('classification projects', () => {
  it('train on a class-folder snapshot of the project', async () => {
    const t = await trainingStudio({ task: 'classify', images: 12 });
    const run = await t.api.training.start(quickSpec({ epochs: 2 }));
    expect(run.model).toMatch(/-cls\.yaml$/);
    await t.waitFor(run.id, ['completed', 'failed']);
    const detail = await t.api.training.get({ runId: run.id });
    expect(detail.status, JSON.stringify(detail.error)).toBe('completed');
    expect(detail.epochLog).toHaveLength(2);
    // The snapshot is Ultralytics' classification layout: split/class/image.
    const snapshot = path.join(t.dir, 'runs', run.id, 'dataset');
    expect(fs.readdirSync(path.join(snapshot, 'train')).length).toBeGreaterThan(0);
    expect(fs.existsSync(path.join(snapshot, 'data.yaml'))).toBe(false);
  });
});
