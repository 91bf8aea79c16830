/**
 * The trainer process on its own, as a worker that trains jobs it receives would run it: a run
 * folder and a spec, no project, no database, no ProjectStore. The runtime runs for real; torch
 * and Ultralytics are the runtime's test doubles (python-runtime/tests/doubles, on PYTHONPATH).
 */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { RuntimeMessage, RuntimeTrainSpec } from '@shared';
import { TrainerProcess, type TrainerExit } from '../../../../src-main/services/training/trainer-process.js';
import { runFolderPaths } from '../../../../src-main/services/training/run-paths.js';
import { PYTHON3, RUNTIME_DIR, doublesEnv, holdAt, pidAlive, scratch } from './training-fixture.js';

/** A YOLO dataset as much as the double reads of one (data.yaml, image files to count) and an empty run folder. */
function job(epochs: number): { runDir: string; spec: RuntimeTrainSpec } {
  const root = scratch('reticle-trainer-');
  const dataset = path.join(root, 'dataset');
  for (const [split, count] of [['train', 8], ['val', 4]] as const) {
    fs.mkdirSync(path.join(dataset, 'images', split), { recursive: true });
    for (let i = 0; i < count; i++) fs.writeFileSync(path.join(dataset, 'images', split, `${i}.jpg`), '');
  }
  const data = path.join(dataset, 'data.yaml');
  fs.writeFileSync(data, `path: ${dataset}\ntrain: images/train\nval: images/val\nnames:\n  0: red\n  1: blue\n`);
  const runDir = path.join(root, 'run');
  fs.mkdirSync(runDir);
  return { runDir, spec: { data, model: 'yolo11n.yaml', epochs, imgsz: 64, batch: 4, device: 'cpu', project: runDir, name: 'train' } };
}

interface Training {
  trainer: TrainerProcess;
  messages: RuntimeMessage[];
  exits: TrainerExit[];
  /** Resolves once the trainer reported its first epoch. */
  firstEpoch: Promise<void>;
  runDir: string;
}

function train(epochs: number, knobs: Record<string, string> = {}): Training {
  const { runDir, spec } = job(epochs);
  const messages: RuntimeMessage[] = [];
  const exits: TrainerExit[] = [];
  let epochSeen!: () => void;
  const firstEpoch = new Promise<void>((resolve) => (epochSeen = resolve));
  const trainer = TrainerProcess.start({
    python: PYTHON3,
    runtimeDir: RUNTIME_DIR,
    env: doublesEnv(knobs),
    runDir,
    spec,
    events: {
      message: (m) => {
        messages.push(m);
        if (m.type === 'epoch') epochSeen();
      },
      exit: (exit) => exits.push(exit),
    },
  });
  return { trainer, messages, exits, firstEpoch, runDir };
}

describe('trainer process, without a project', () => {
  it('trains to the end, handing over each epoch as it comes and the finish, then tells its exit once', async () => {
    const t = train(3);
    const exit = await t.trainer.ended;

    expect(t.messages[0]).toMatchObject({ type: 'started', device: 'cpu', epochs: 3 });
    expect(t.messages.filter((m) => m.type === 'epoch').map((m) => m.epoch)).toEqual([1, 2, 3]);
    const finished = t.messages.find((m) => m.type === 'finished');
    expect(finished).toMatchObject({ epochs_completed: 3, stopped_by_user: false });
    expect(exit).toMatchObject({ code: 0, signal: null, forced: false, spawnError: null, error: null, finished });
    expect(t.exits).toEqual([exit]);

    const files = runFolderPaths(t.runDir);
    expect(JSON.parse(fs.readFileSync(files.spec, 'utf8'))).toMatchObject({ epochs: 3, resume: false, stop_file: files.stop });
    expect(fs.existsSync(files.last)).toBe(true);
    expect(fs.existsSync(files.stop)).toBe(false);
    expect(fs.readFileSync(files.log, 'utf8').split('\n')[0]).toMatch(new RegExp(`^\\[studio\\] \\S+ starting with ${PYTHON3.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`));
    expect(t.trainer.log.get()[0]).toMatch(/^\[studio\] .* starting with /);
  }, 60_000);

  it('stop ends the process cleanly: the runtime finishes the epoch early, saves, and says it was stopped', async () => {
    // 100 epochs, and the trainer waits in epoch 2 until the stop request: far from its end.
    const hold = holdAt(2);
    const t = train(100, hold.env);
    await hold.parked();
    const pid = t.trainer.pid!;
    t.trainer.stop(30_000);
    const exit = await t.trainer.ended;

    expect(exit).toMatchObject({ code: 0, forced: false, error: null, finished: { stopped_by_user: true, resumable: true } });
    // Epoch 2 cut short at its first batch; none after it.
    expect(exit.finished!.epochs_completed).toBe(2);
    expect(t.messages.filter((m) => m.type === 'epoch').map((m) => m.epoch)).toEqual([1, 2]);
    expect(pidAlive(pid)).toBe(false);
    expect(t.trainer.log.get().join('\n')).toMatch(/\[studio\] stop requested: asking the trainer to finish the epoch early and save/);
    expect(fs.existsSync(runFolderPaths(t.runDir).stop)).toBe(false);
  }, 60_000);

  it('a trainer that does not end within the grace period of a stop is killed', async () => {
    // Stuck in epoch 2, deaf to the stop request: only the kill ends it.
    const t = train(100, { ...holdAt(2).env, ULTRALYTICS_DOUBLE_IGNORE_STOP: '1' });
    await t.firstEpoch;
    const pid = t.trainer.pid!;
    t.trainer.stop(500, 'the test is over');
    const exit = await t.trainer.ended;

    expect(exit).toMatchObject({ signal: 'SIGKILL', forced: true, finished: null });
    expect(pidAlive(pid)).toBe(false);
    const log = t.trainer.log.get().join('\n');
    expect(log).toMatch(/\[studio\] the test is over: asking the trainer to finish the epoch early and save/);
    expect(log).toMatch(/\[studio\] the trainer did not end within 1 s of the stop request: killing it/);
    expect(t.exits).toHaveLength(1);
  }, 60_000);
});
