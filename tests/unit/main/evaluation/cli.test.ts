/** `reticle evaluate`, run as a user runs it (the built CLI) on the shapes project with its planted label errors. */
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Evaluation, FindingPage } from '@shared';
import { ensureCliBuilt, reticle, reticleJson, spawnReticle } from '../../helpers/cli.js';
import { makeImage, tempDir } from '../../helpers/images.js';
import { closeStudio } from '../studio/studio-fixture.js';
import { shapesStudio } from './evaluation-fixture.js';

beforeAll(() => ensureCliBuilt());

/** The shapes project on disk with two runs, closed so the CLI can have it. */
async function projectOnDisk(options: { blanks?: number } = {}): Promise<string> {
  const s = await shapesStudio();
  if (options.blanks) {
    // Pictures with nothing in them, marked done: more (true negative) images to evaluate on.
    const dir = tempDir();
    const files = await Promise.all(Array.from({ length: options.blanks }, (_, i) => makeImage(path.join(dir, `blank-${i}.png`), { width: 96, height: 64, seed: i + 1, format: 'png' })));
    expect((await s.importFiles(files)).status).toBe('ok');
    const blank = (await s.api.images.list({ filter: { kind: 'unlabeled' }, limit: 5000 })).items.map((i) => i.id);
    await s.api.images.setStatus({ ids: blank, status: 'done' });
  }
  await s.addRun({ id: 'run-a', name: 'YOLO11', model: 'yolo11-detect.onnx', split: [0, 0, 1] });
  await s.addRun({ id: 'run-b', name: 'YOLO26', model: 'yolo26-detect.onnx', split: [0, 0, 1] });
  await closeStudio(s);
  return s.dir;
}

describe('reticle evaluate', () => {
  it('prints the figures per class and the likely label errors, most likely first', async () => {
    const dir = await projectOnDisk();
    const r = reticle(['evaluate', dir, 'YOLO11']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^Evaluated 1: YOLO11 \(run-a\) on 6 test images of the run's frozen dataset/);
    expect(r.stdout).toMatch(/^class +images +instances +P +R +AP50 +AP50-95$/m);
    expect(r.stdout).toMatch(/^all +6 +14 +[01]\.\d{3} +[01]\.\d{3} +[01]\.\d{3} +[01]\.\d{3}$/m);
    for (const [name, n] of [
      ['circle', 3],
      ['square', 6],
      ['triangle', 5],
    ] as const) {
      expect(r.stdout).toMatch(new RegExp(`^${name} +\\d+ +${n} +[01]\\.\\d{3}`, 'm'));
    }
    expect(r.stdout).toMatch(/YOLO11: mAP50 0\.\d{3}, mAP50-95 0\.\d{3}; best F1 0\.\d{3} at confidence 0\.\d{3}/);
    expect(r.stdout).toMatch(/Confusion matrix of YOLO11 \(rows predicted, columns true; conf > 0\.25, IoU > 0\.45\)/);
    expect(r.stdout).toContain('Likely label errors: 3 (1 boxes nobody drew, 1 drawn boxes not found, 1 class disagreements)');
    // A big box nothing comes near first, then by the model's confidence.
    expect(r.stdout).toMatch(/ {2}1\. image \d+ tall\.jpg: the drawn square is not found \(best overlap 0\.000\) at \[120, 10, 190, 90\]/);
    expect(r.stdout).toMatch(/ {2}2\. image \d+ square\.png: a circle nobody drew \(confidence 0\.9\d\d\) at \[/);
    expect(r.stdout).toMatch(/ {2}3\. image \d+ wide\.png: labeled circle, the model says triangle \(confidence 0\.9\d\d\) at \[/);
    expect(r.stderr).not.toMatch(/error/i);
  }, 120_000);

  it('compares with another run on the same images, and gives everything as JSON', async () => {
    const dir = await projectOnDisk();
    const r = reticle(['evaluate', dir, 'run-a', '--compare', 'YOLO26']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/compared with 2: YOLO26 \(run-b\)/);
    expect(r.stdout).toMatch(/^class +images +instances +P 1 +R 1 +AP50 1 +AP50-95 1 +P 2 +R 2 +AP50 2 +AP50-95 2$/m);
    expect(r.stdout).toMatch(/^2: YOLO26: mAP50 /m);

    const out = reticleJson<Evaluation & { topFindings: FindingPage }>(['evaluate', dir, 'run-a', '--compare', 'run-b', '--split', 'test', '--findings', '2']);
    expect(out).toMatchObject({ split: 'test', images: 6, findings: { extra: 1, missed: 1, class: 1 }, primary: { runId: 'run-a' }, compare: { runId: 'run-b' } });
    expect(out.imageIds).toHaveLength(6);
    expect(out.topFindings).toMatchObject({ total: 3, ignored: 0 });
    expect(out.topFindings.items.map((f) => f.kind)).toEqual(['missed', 'extra']);
    const metrics = out.primary.metrics;
    if (metrics.task !== 'detect') throw new Error('a detection evaluation was expected');
    expect(metrics.perClass).toHaveLength(3);
    expect(metrics.pr.precision.perClass).toHaveLength(3);
  }, 120_000);

  it('Ctrl-C cancels the evaluation (exit 130) and keeps nothing', async () => {
    const dir = await projectOnDisk({ blanks: 60 });
    const child = spawnReticle(['evaluate', dir, 'run-a']);
    let stdout = '';
    let stderr = '';
    child.stdout!.on('data', (c: Buffer) => (stdout += c.toString()));
    // The first progress line: the job has begun (it loads the model, then predicts on 66 images).
    await new Promise<void>((resolve) =>
      child.stderr!.on('data', (c: Buffer) => {
        stderr += c.toString();
        if (stderr.includes('evaluate:')) resolve();
      }),
    );
    child.kill('SIGINT');
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    expect(code, stderr).toBe(130);
    expect(stderr).toContain('evaluate: cancelling…');
    expect(stdout).toContain('Evaluation cancelled: nothing was kept.');
  }, 120_000);

  it('explains a bad command line, an unknown run and a split with no images', async () => {
    const dir = await projectOnDisk();
    expect(reticle(['evaluate', dir])).toMatchObject({ code: 2, stderr: expect.stringMatching(/reticle evaluate DIR RUN/) });
    expect(reticle(['evaluate', dir, 'run-a', '--split', 'holdout'])).toMatchObject({ code: 2, stderr: expect.stringMatching(/--split is test, val or train/) });
    expect(reticle(['evaluate', dir, 'run-a', '--conf', '3'])).toMatchObject({ code: 2, stderr: expect.stringMatching(/--conf is a number from 0 to 1/) });
    expect(reticle(['evaluate', dir, 'nope'])).toMatchObject({ code: 1, stderr: expect.stringMatching(/There is no run "nope"/) });
    const empty = reticle(['evaluate', dir, 'run-a', '--split', 'train', '--json']);
    expect(empty.code).toBe(1);
    expect(JSON.parse(empty.stdout).error).toMatchObject({ code: 'invalid_input', message: expect.stringMatching(/no labeled train images/) });
    expect(reticle(['--help']).stdout).toMatch(/reticle evaluate DIR RUN \[--split test\|val\|train\] \[--compare RUN2\]/);
  }, 120_000);
});
