/**
 * A process labeling and importing through the studio's own services is SIGKILLed at random
 * moments (seeded), 20 times; after every kill the project opens with ProjectStore, passes
 * `PRAGMA integrity_check`, holds every gesture the process reported committed with its exact
 * geometry, shows the gesture in flight whole or not at all, holds only whole imported images
 * with their media and labels, and keeps no temporary file. kill-loop.ts has the checks;
 * `npm run bench:crash` runs the same loop 200 times and more.
 */
import fs from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { tempDir } from '../../helpers/images.js';
import { runKillLoop } from './kill-loop.js';

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
    const result = await runKillLoop(work(), { kills: 20, seed: 20261122, batches: 40, imagesPerBatch: 4 });
    expect(result.kills).toHaveLength(20);
    // The kills landed on both kinds of write, not only between them.
    expect(result.kills.filter((k) => k.during === 'gesture').length).toBeGreaterThan(0);
    expect(result.kills.filter((k) => k.during === 'import').length).toBeGreaterThan(0);
    expect(result.gesturesCommitted).toBeGreaterThan(20);
    expect(result.importsCompleted).toBeGreaterThan(5);
    // The run that was not killed finished every import: each image once, each with its labels.
    expect(result.images).toBe(160);
    expect(result.annotations).toBeGreaterThanOrEqual(160);
  }, 150_000);

  it('with a second process labeling the same project the whole time, loses none of either process\'s committed edits', async () => {
    const result = await runKillLoop(work(), { kills: 10, seed: 20261207, batches: 20, imagesPerBatch: 4, concurrentWriter: true });
    expect(result.kills).toHaveLength(10);
    // Both wrote: the writer that was never killed committed gestures in every kill's window.
    expect(result.concurrentGestures).toBeGreaterThanOrEqual(10);
    expect(result.gesturesCommitted).toBeGreaterThan(result.concurrentGestures);
    expect(result.images).toBe(80);
  }, 150_000);

  it('catches a labeler that commits a gesture change by change: the checks can fail', async () => {
    await expect(runKillLoop(work(), { kills: 12, seed: 5, batches: 2, imagesPerBatch: 4, importShare: 0, fault: 'split-gestures' })).rejects.toThrow(
      /neither the committed edits nor those plus the gesture in flight/,
    );
  }, 90_000);
});
