/**
 * A disk that fills up while a run trains, as the user sees it through the API: the run ends
 * failed with a message that says the disk is full and what to do, it stays resumable, the
 * project database stays consistent, and once space is freed resume finishes the run.
 *
 * The trainer is the real runtime process over the torch and Ultralytics test doubles
 * (training-fixture.ts); the full disk is a test double too: for the runtime's writes,
 * python-runtime/tests/full_disk (ENOSPC while a flag file exists, what the real runtime gets
 * from a full disk), for the studio's own writes `max_page_count` (SQLITE_FULL) and ENOSPC from
 * the file calls the supervisor makes.
 */
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { RunStatus } from '@shared';
import { until } from '../../helpers/until.js';
import { DOUBLES, RUNTIME_DIR, holdAt, quickSpec, scratch, trainingStudio, type TrainingStudio } from '../training/training-fixture.js';
import { enospc, fillDatabaseToTheBrim, temporaryFiles } from './full-disk.js';

const FULL_DISK = path.join(RUNTIME_DIR, 'tests', 'full_disk');

afterEach(() => {
  vi.restoreAllMocks();
});

/** The status a run reaches after the `seen`-th status change the UI was told of. */
async function nextEnd(t: TrainingStudio, runId: string, seen: number): Promise<RunStatus> {
  const ends: RunStatus[] = ['completed', 'failed', 'stopped', 'interrupted'];
  return until(
    () => `the end of run ${runId}; statuses ${t.statuses(runId).join(' → ')}`,
    () => t.statuses(runId).slice(seen).find((s) => ends.includes(s)),
    60_000,
  );
}

/** The project database after the fault: whole, the run's epochs stored once each, in order from 1. */
function expectConsistent(t: TrainingStudio, runId: string): number[] {
  const db = t.studio.session.require().store.db;
  expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
  expect(db.pragma('foreign_key_check')).toEqual([]);
  const epochs = db.prepare('SELECT epoch FROM run_epochs WHERE run_id = ? ORDER BY epoch').pluck().all(runId) as number[];
  expect(epochs).toEqual(epochs.map((_, i) => i + 1));
  return epochs;
}

describe('a disk that fills up during training', () => {
  it("the runtime writing into a full run folder: failed with the runtime's disk_full message, resumable, and resume finishes once space is freed", async () => {
    const flag = path.join(scratch('reticle-disk-flag-'), 'disk-is-full');
    // The disk fills while the trainer waits at the start of epoch 2: epoch 1 is all written.
    const hold = holdAt(2);
    const t = await trainingStudio({
      env: {
        ...hold.env,
        PYTHONPATH: [FULL_DISK, DOUBLES].join(path.delimiter),
        RETICLE_FULL_DISK_DIR: fs.realpathSync(os.tmpdir()),
        RETICLE_FULL_DISK_FLAG: flag,
      },
    });
    const run = await t.api.training.start(quickSpec({ epochs: 4, batch: 2 }));
    await hold.parked();
    fs.writeFileSync(flag, ''); // the disk fills during epoch 2
    hold.release();

    const failed = await t.waitFor(run.id, ['failed', 'completed', 'stopped']);
    expect(failed).toMatchObject({
      status: 'failed',
      resumable: true,
      epochsDone: 1,
      error: { code: 'disk_full', message: 'The disk is full.', hint: expect.stringMatching(/^Free some disk space/) },
    });
    const detail = await t.api.training.get({ runId: run.id });
    expect(detail.logTail.join('\n')).toMatch(/No space left on device/);
    expect(expectConsistent(t, run.id)).toEqual([1]);

    fs.rmSync(flag); // space freed
    const seen = t.statuses(run.id).length;
    await t.api.training.resume({ runId: run.id });
    expect(await nextEnd(t, run.id, seen)).toBe('completed');
    const done = await t.api.training.get({ runId: run.id });
    expect(done.epochLog.map((e) => e.epoch)).toEqual([1, 2, 3, 4]);
    expect(done.logTail.some((l) => l.includes('resuming after epoch 1'))).toBe(true);
    expect(expectConsistent(t, run.id)).toEqual([1, 2, 3, 4]);
  }, 90_000);

  it("the studio unable to record the run (its database full): the run is stopped and failed saying why, the database stays whole, and it resumes once space is freed", async () => {
    // The database fills while the trainer waits at the start of epoch 2. Its epochs then take
    // about half a second each (12 batches of 40 ms), so it is still at work when the studio finds
    // it cannot record them; what is asserted holds at any pace (the epochs done are those the
    // database could store).
    const hold = holdAt(2);
    const t = await trainingStudio({ env: { ...hold.env, ULTRALYTICS_DOUBLE_BATCH_SECONDS: '0.04' } });
    const run = await t.api.training.start(quickSpec({ epochs: 20, batch: 2 }));
    await hold.parked();
    const store = t.studio.session.require().store;
    // Every table keeps the free room of its own pages: a few more epochs fit, then none does.
    const free = fillDatabaseToTheBrim(store.db);
    hold.release();

    const failed = await t.waitFor(run.id, ['failed', 'completed', 'stopped']);
    expect(failed).toMatchObject({
      status: 'failed',
      resumable: true,
      error: { code: 'disk_full', message: "The disk is full: the studio could not record the run's progress, so it stopped the run.", hint: expect.stringMatching(/resume the run/) },
    });
    // Stopped, not trained on to the end with nothing recorded.
    expect(failed.epochsDone).toBeLessThan(20);
    expect((await t.api.training.get({ runId: run.id })).logTail.join('\n')).toMatch(/the disk is full and the run's progress cannot be recorded/);
    const pid = store.db.prepare('SELECT pid FROM runs WHERE id = ?').pluck().get(run.id) as number | null;
    expect(pid === null || !isAlive(pid)).toBe(true);
    const stored = expectConsistent(t, run.id);
    expect(stored.length).toBeGreaterThanOrEqual(1);

    free();
    const seen = t.statuses(run.id).length;
    await t.api.training.resume({ runId: run.id });
    expect(await nextEnd(t, run.id, seen)).toBe('completed');
    const all = Array.from({ length: 20 }, (_, i) => i + 1);
    expect((await t.api.training.get({ runId: run.id })).epochLog.map((e) => e.epoch)).toEqual(all);
    expect(expectConsistent(t, run.id)).toEqual(all);
  }, 90_000);

  it('a spec that cannot be written as the run launches: failed with disk_full, the spec kept whole, and resume starts it once space is freed', async () => {
    const t = await trainingStudio();
    const runs = t.studio.session.require().store.paths.runs;
    const writeFileSync = fs.writeFileSync;
    vi.spyOn(fs, 'writeFileSync').mockImplementation((file, ...rest) => {
      if (typeof file === 'string' && file.startsWith(runs) && file.endsWith('.tmp')) throw enospc('write', file);
      return writeFileSync(file, ...rest);
    });
    const run = await t.api.training.start(quickSpec());
    expect(run).toMatchObject({ status: 'failed', resumable: true, error: { code: 'disk_full', message: 'The disk is full: the run could not be started.', hint: expect.stringMatching(/^Free some disk space/) } });
    const spec = JSON.parse(fs.readFileSync(path.join(runs, run.id, 'spec.json'), 'utf8'));
    expect(spec).toMatchObject({ model: 'yolo11n.yaml', epochs: 3, resume: false });
    expect(temporaryFiles(runs)).toEqual([]);
    expectConsistent(t, run.id);

    vi.restoreAllMocks(); // space freed
    const seen = t.statuses(run.id).length;
    await t.api.training.resume({ runId: run.id });
    expect(await nextEnd(t, run.id, seen)).toBe('completed');
    expect((await t.api.training.get({ runId: run.id })).epochLog.map((e) => e.epoch)).toEqual([1, 2, 3]);
  }, 60_000);

  it('a run whose dataset snapshot cannot be written is refused with disk_full, leaving no run and no folder behind', async () => {
    const t = await trainingStudio();
    const runs = t.studio.session.require().store.paths.runs;
    const { writeFile, open } = { writeFile: fsp.writeFile.bind(fsp), open: fsp.open.bind(fsp) };
    vi.spyOn(fsp, 'writeFile').mockImplementation(async (file, ...rest) => {
      if (typeof file === 'string' && file.startsWith(runs)) throw enospc('write', file);
      return writeFile(file, ...rest);
    });
    vi.spyOn(fsp, 'open').mockImplementation(async (file, ...rest) => {
      if (typeof file === 'string' && file.startsWith(runs)) throw enospc('open', file);
      return open(file, ...rest);
    });
    await expect(t.api.training.start(quickSpec())).rejects.toMatchObject({ code: 'disk_full', message: expect.stringMatching(/^The disk is full: .*Free some space and try again\.$/) });
    vi.restoreAllMocks();
    expect(await t.api.training.list()).toEqual([]);
    expect(fs.readdirSync(runs)).toEqual([]);
    expect(t.studio.session.require().store.integrityCheck()).toBe('ok');
  });
});

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
