/**
 * The Python trainer killed in the middle of an epoch (SIGKILL to its whole process group, as the
 * out-of-memory killer or a `kill -9` does): the run is failed once the process is gone, saying
 * it stopped unexpectedly and can be resumed; the epoch cut off is not stored; resume continues
 * from last.pt (the epochs before the kill are not trained again) and the run completes.
 *
 * With the runtime's test doubles of torch and Ultralytics always (tests/unit/main/training/
 * supervisor.test.ts kills one at an epoch's end; here it is mid-epoch, and what resume keeps is
 * checked); with the real Ultralytics when ULTRALYTICS_PYTHON names a Python that has it.
 */
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import sharp from 'sharp';
import { beforeAll, describe, expect, it } from 'vitest';
import type { RunDetail, RunSummary } from '@shared';
import { ensureCliBuilt, reticle, reticleJson, spawnReticle } from '../../helpers/cli.js';
import { tempDir } from '../../helpers/images.js';
import { until } from '../../helpers/until.js';
import { holdAt, pidAlive, quickSpec, trainingStudio } from '../training/training-fixture.js';

const PYTHON = process.env.ULTRALYTICS_PYTHON;
if (!PYTHON) console.log('skipped: ULTRALYTICS_PYTHON is not set, so killing a real Ultralytics trainer mid-epoch was not tried');

describe('the trainer killed mid-epoch (runtime test doubles)', () => {
  it('fails the run saying it stopped unexpectedly and can be resumed; resume continues from last.pt and completes', async () => {
    // The kill lands in the middle of epoch 2: the trainer waits there after 3 of its batches.
    const hold = holdAt(2, 3);
    const t = await trainingStudio({ env: hold.env });
    const run = await t.api.training.start(quickSpec({ epochs: 4, batch: 2 }));
    await hold.parked();
    const db = t.studio.session.require().store.db;
    const pid = db.prepare('SELECT pid FROM runs WHERE id = ?').pluck().get(run.id) as number;
    process.kill(-pid, 'SIGKILL'); // its own process group: the trainer and anything it started

    // The supervisor hears of the death from the process itself: waitFor's 30 s is a hang guard.
    const failed = await t.waitFor(run.id, ['failed', 'completed', 'stopped']);
    expect(failed).toMatchObject({ status: 'failed', resumable: true, epochsDone: 1 });
    expect(failed.error?.message).toMatch(/^Training stopped unexpectedly: it was killed \(SIGKILL\)/);
    expect(failed.error?.hint).toMatch(/can be resumed from its last saved epoch/);
    expect(pidAlive(pid)).toBe(false);

    // The project after the kill: whole, epoch 1 stored, the epoch cut off not, nothing left running.
    expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
    const before = await t.api.training.get({ runId: run.id });
    expect(before.epochLog.map((e) => e.epoch)).toEqual([1]);
    expect(db.prepare('SELECT pid, owner_pid FROM runs WHERE id = ?').get(run.id)).toEqual({ pid: null, owner_pid: null });
    const runDir = path.join(t.dir, 'runs', run.id);
    expect(fs.existsSync(path.join(runDir, 'stop'))).toBe(false);
    const last = JSON.parse(fs.readFileSync(path.join(runDir, 'train', 'weights', 'last.pt'), 'utf8'));
    expect(last).toMatchObject({ epoch: 0, optimizer: expect.anything() }); // epoch 1's checkpoint, resumable

    const seen = t.statuses(run.id).length;
    hold.release();
    await t.api.training.resume({ runId: run.id });
    expect(JSON.parse(fs.readFileSync(path.join(runDir, 'spec.json'), 'utf8')).resume).toBe(true);
    await until('the resumed run to end', () => t.statuses(run.id).slice(seen).find((s) => s !== 'queued' && s !== 'running'), 60_000);
    const done = await t.api.training.get({ runId: run.id });
    expect(done.status, JSON.stringify(done.error)).toBe('completed');
    expect(done.epochLog.map((e) => e.epoch)).toEqual([1, 2, 3, 4]);
    // Epoch 1 was not trained again: its record is the one stored before the kill.
    expect(done.epochLog[0]).toEqual(before.epochLog[0]);
    expect(t.epochEvents(run.id).map((e) => e.epoch.epoch)).toEqual([1, 2, 3, 4]);
    expect(done.logTail.some((l) => l.includes('resuming after epoch 1'))).toBe(true);
    expect(t.statuses(run.id)).toEqual(['queued', 'running', 'failed', 'queued', 'running', 'completed']);
  }, 90_000);
});

/** Red and blue squares on grey, each labeled where it is: a project the real YOLO can learn from. */
async function squaresProject(env: Record<string, string>, count = 32, size = 96): Promise<string> {
  const data = tempDir('squares-');
  fs.mkdirSync(path.join(data, 'images'));
  fs.mkdirSync(path.join(data, 'labels'));
  for (let i = 0; i < count; i++) {
    const cls = i % 2;
    const x = 4 + ((i * 13) % (size - 44));
    const y = 4 + ((i * 7) % (size - 40));
    const svg = `<svg width="${size}" height="${size}" xmlns="http://www.w3.org/2000/svg"><rect width="${size}" height="${size}" fill="#444"/><rect x="${x}" y="${y}" width="36" height="32" fill="${cls ? '#00f' : '#f00'}"/></svg>`;
    await sharp(Buffer.from(svg)).jpeg().toFile(path.join(data, 'images', `s${i}.jpg`));
    fs.writeFileSync(path.join(data, 'labels', `s${i}.txt`), `${cls} ${(x + 18) / size} ${(y + 16) / size} ${36 / size} ${32 / size}\n`);
  }
  fs.writeFileSync(path.join(data, 'data.yaml'), 'train: images\nval: images\nnames: [red, blue]\n');
  const dir = path.join(tempDir(), 'squares');
  expect(reticle(['new', dir, '--name', 'Squares', '--task', 'detect'], env).code).toBe(0);
  expect(reticle(['import', dir, data, '--format', 'yolo'], env).code).toBe(0);
  return dir;
}

describe('the trainer killed mid-epoch (real Ultralytics)', () => {
  beforeAll(() => {
    if (PYTHON) ensureCliBuilt();
  }, 120_000);

  it.skipIf(!PYTHON)('kill -9 in epoch 2 of yolo11n: failed and resumable; `reticle resume` finishes the run from last.pt', async () => {
    const env = { ULTRALYTICS_PYTHON: PYTHON!, RETICLE_HOME: tempDir('reticle-home-') };
    const dir = await squaresProject(env);
    const started = Date.now();
    const child = spawnReticle(['train', dir, '--model', 'yolo11n.yaml', '--epochs', '3', '--imgsz', '96', '--batch', '4', '--device', 'cpu', '--json'], env);
    let stdout = '';
    let stderr = '';
    child.stderr!.on('data', (c: Buffer) => (stderr += c.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
    const lines = () => stdout.split('\n').filter((l) => l.trim()).map((l) => JSON.parse(l) as { type: string; run?: RunSummary; epoch?: number; batch?: number; batches?: number; runId?: string });
    child.stdout!.on('data', (c: Buffer) => (stdout += c.toString()));
    const inEpoch2 = await until(
      'progress in the middle of epoch 2',
      () => lines().find((l) => l.type === 'progress' && l.epoch === 2 && l.batch! >= 1 && l.batch! < l.batches!),
      240_000,
    );

    // The trainer's pid, as the studio stored it; kill its whole group as the OOM killer would.
    const reader = new Database(path.join(dir, 'project.db'), { readonly: true });
    const pid = reader.prepare('SELECT pid FROM runs WHERE id = ?').pluck().get(inEpoch2.runId) as number;
    reader.close();
    process.kill(-pid, 'SIGKILL');
    const code = await exited;
    expect(code, stderr.slice(-3000)).toBe(1);
    const failed = lines().filter((l) => l.type === 'result').at(-1)!.run!;
    expect(failed).toMatchObject({ status: 'failed', resumable: true, epochsDone: 1 });
    expect(failed.error?.message).toMatch(/^Training stopped unexpectedly: it was killed \(SIGKILL\)/);
    expect(failed.error?.hint).toMatch(/can be resumed from its last saved epoch/);
    const before = reticleJson<RunDetail>(['runs', dir, failed.id], env);
    expect(before.epochLog.map((e) => e.epoch)).toEqual([1]);

    const resumed = reticle(['resume', dir, failed.id, '--json'], env);
    expect(resumed.code, resumed.stderr.slice(-3000)).toBe(0);
    const after = reticleJson<RunDetail>(['runs', dir, failed.id], env);
    expect(after).toMatchObject({ status: 'completed', epochsDone: 3 });
    expect(after.epochLog.map((e) => e.epoch)).toEqual([1, 2, 3]);
    expect(after.epochLog[0]).toEqual(before.epochLog[0]); // epoch 1 was not trained again
    expect(after.logTail.join('\n')).toMatch(/Resuming training/i);
    console.log(`real Ultralytics: killed in epoch 2, resumed and completed 3 epochs in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  }, 420_000);
});
