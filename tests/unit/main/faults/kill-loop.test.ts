/**
 * A process labeling and importing through the studio's own services is SIGKILLed at random
 * moments (seeded), 20 times or more; after every kill the project opens with ProjectStore, passes
 * `PRAGMA integrity_check`, holds every gesture the process reported committed with its exact
 * geometry, shows the gesture in flight whole or not at all, holds only whole imported images
 * with their media and labels, and keeps no temporary file. kill-loop.ts has the checks;
 * `npm run bench:crash` runs the same loop 200 times and more.
 */
import fs from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { tempDir } from '../../helpers/images.js';
import { runKillLoop, type KillLoopResult, type KillRecord } from './kill-loop.js';

const dirs: string[] = [];
const work = () => {
  const dir = tempDir('reticle-kill-');
  dirs.push(dir);
  return dir;
};
afterAll(() => {
  for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
});

describe('SIGKILL in the middle of labeling and importing', () => {
  it('loses no committed edit, shows no half gesture and leaves a project that opens clean, over 20 kills', async () => {
    // Where a kill lands depends on how far the child got, so on the machine's speed: the loop
    // kills 20 times, and more (60 at most) until kills have landed on both kinds of write.
    const landed = (r: KillLoopResult, during: KillRecord['during']) => r.kills.filter((k) => k.during === during).length;
    const enough = (r: KillLoopResult) => landed(r, 'gesture') > 0 && landed(r, 'import') > 0 && r.gesturesCommitted > 20 && r.importsCompleted > 5;
    const result = await runKillLoop(work(), { kills: 20, seed: 20261122, batches: 40, imagesPerBatch: 4, enough, maxKills: 60 });
    expect(result.kills.length).toBeGreaterThanOrEqual(20);
    // The kills landed on both kinds of write, not only between them.
    expect(landed(result, 'gesture')).toBeGreaterThan(0);
    expect(landed(result, 'import')).toBeGreaterThan(0);
    expect(result.gesturesCommitted).toBeGreaterThan(20);
    expect(result.importsCompleted).toBeGreaterThan(5);
    // The run that was not killed finished every import: each image once, each with its labels.
    expect(result.images).toBe(160);
    expect(result.annotations).toBeGreaterThanOrEqual(160);
  }, 300_000);

  it('with a second process labeling the same project the whole time, loses none of either process\'s committed edits', async () => {
    const result = await runKillLoop(work(), { kills: 10, seed: 20261207, batches: 20, imagesPerBatch: 4, concurrentWriter: true });
    expect(result.kills).toHaveLength(10);
    // Both wrote: the writer that was never killed committed gestures in every kill's window.
    expect(result.concurrentGestures).toBeGreaterThanOrEqual(10);
    expect(result.gesturesCommitted).toBeGreaterThan(result.concurrentGestures);
    expect(result.images).toBe(80);
  }, 150_000);

  it('catches a labeler that commits a gesture change by change: the checks can fail', async () => {
    // It fails at the first kill that lands between two commits of one gesture, usually the 2nd
    // or 3rd; up to 40 leave room for a machine whose timing makes the first ones miss.
    await expect(runKillLoop(work(), { kills: 40, seed: 5, batches: 2, imagesPerBatch: 4, importShare: 0, fault: 'split-gestures' })).rejects.toThrow(
      /neither the committed edits nor those plus the gesture in flight/,
    );
  }, 150_000);
});
