/**
 * Datasets were unbounded (issue 19, finding 5): a label file that is a named pipe hung
 * `reticle import` with no output, a link to /dev/zero read hundreds of megabytes, and a label
 * file of millions of lines became millions of boxes. Run as a user runs it, the import now
 * finishes, reports each such file, and takes at most 10,000 boxes for one image.
 */
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { ImportReport } from '@shared';
import { ensureCliBuilt, reticle, spawnReticle, type CliResult } from '../../helpers/cli.js';
import { makeImage, tempDir } from '../../helpers/images.js';

const env = { RETICLE_HOME: tempDir('reticle-home-') };
/** A hang guard, far above what these imports take: a hung import fails the test by name. */
const HANG_GUARD_MS = 60_000;
const closers: (() => void)[] = [];

beforeAll(() => ensureCliBuilt(), 120_000);
afterEach(() => {
  for (const close of closers.splice(0)) close();
});

function newProject(): string {
  const dir = path.join(tempDir(), 'project');
  expect(reticle(['new', dir, '--name', 'P', '--task', 'detect'], env).code).toBe(0);
  return dir;
}

/** `reticle import … --json`, killed (and failed) if it is still running at the hang guard. */
function importJson(args: string[]): Promise<CliResult & { report: ImportReport }> {
  const child = spawnReticle(['import', ...args, '--json'], env);
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (c: Buffer) => (stdout += c.toString()));
  child.stderr!.on('data', (c: Buffer) => (stderr += c.toString()));
  return new Promise((resolve, reject) => {
    const guard = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`reticle import ${args.join(' ')} was still running after ${HANG_GUARD_MS} ms (a hang guard):\n${stderr}`));
    }, HANG_GUARD_MS);
    child.once('close', (code) => {
      clearTimeout(guard);
      try {
        resolve({ code: code ?? -1, stdout, stderr, report: JSON.parse(stdout) as ImportReport });
      } catch {
        reject(new Error(`reticle import exited ${code} without a report:\n${stderr}`));
      }
    });
  });
}

/** A YOLO dataset folder with one class, "cat". */
function yoloDataset(): string {
  const root = tempDir('yolo-');
  fs.mkdirSync(path.join(root, 'images'));
  fs.mkdirSync(path.join(root, 'labels'));
  fs.writeFileSync(path.join(root, 'data.yaml'), 'train: images\nval: images\nnames: [cat]\n');
  return root;
}

function reasonFor(report: ImportReport, file: RegExp): string {
  const found = report.failed.find((f) => file.test(f.path));
  expect(found, `a failure for ${file} in ${JSON.stringify(report.failed)}`).toBeDefined();
  return found!.reason;
}

describe('reticle import of a dataset with files that are not regular files', () => {
  it('finishes, imports the images, and reports a label file that is a named pipe, one linked to /dev/zero and an image that is a socket', async () => {
    const ds = yoloDataset();
    await makeImage(path.join(ds, 'images', 'piped.jpg'), { seed: 1 });
    await makeImage(path.join(ds, 'images', 'zeroed.jpg'), { seed: 2 });
    await makeImage(path.join(ds, 'images', 'fine.jpg'), { seed: 3 });
    execFileSync('mkfifo', [path.join(ds, 'labels', 'piped.txt')]);
    fs.symlinkSync('/dev/zero', path.join(ds, 'labels', 'zeroed.txt'));
    fs.writeFileSync(path.join(ds, 'labels', 'fine.txt'), '0 0.5 0.5 0.2 0.2\n');
    const server = net.createServer();
    await new Promise<void>((resolve) => server.listen(path.join(ds, 'images', 'socket.jpg'), resolve));
    closers.push(() => server.close());

    const { code, report } = await importJson([newProject(), ds]);

    expect(code).toBe(0);
    expect(report).toMatchObject({ format: 'yolo', imported: 3, annotations: 1 });
    expect(reasonFor(report, /labels[/\\]piped\.txt$/)).toMatch(/named pipe \(FIFO\), not a regular file/);
    expect(reasonFor(report, /labels[/\\]zeroed\.txt$/)).toMatch(/character device, not a regular file .*\/dev\/zero/);
    expect(reasonFor(report, /socket\.jpg$/)).toMatch(/socket, not a regular file/);
  });

  it('reports an image that is a named pipe', async () => {
    const folder = tempDir('photos-');
    await makeImage(path.join(folder, 'a.jpg'), { seed: 4 });
    execFileSync('mkfifo', [path.join(folder, 'b.jpg')]);

    const { code, report } = await importJson([newProject(), folder]);

    expect(code).toBe(0);
    expect(report.imported).toBe(1);
    expect(reasonFor(report, /b\.jpg$/)).toMatch(/named pipe \(FIFO\)/);
  });
});

describe('reticle import of a dataset too large to be real', () => {
  it('refuses a label file over 16 MiB, reporting it, and still imports its image', async () => {
    const ds = yoloDataset();
    await makeImage(path.join(ds, 'images', 'a.jpg'), { seed: 5 });
    const line = '0 0.500000 0.500000 0.100000 0.100000\n';
    fs.writeFileSync(path.join(ds, 'labels', 'a.txt'), line.repeat(Math.ceil((17 * 1024 ** 2) / line.length)));

    const { code, report } = await importJson([newProject(), ds]);

    expect(code).toBe(0);
    expect(report).toMatchObject({ imported: 1, annotations: 0 });
    expect(reasonFor(report, /labels[/\\]a\.txt$/)).toMatch(/too large \(17 MiB; the limit is 16 MiB\)/);
  });

  it('takes 10,000 boxes for one image and reports how many were left out', async () => {
    const ds = yoloDataset();
    await makeImage(path.join(ds, 'images', 'crowd.jpg'), { seed: 6 });
    const lines = Array.from({ length: 10_050 }, (_, i) => `0 ${(0.1 + (i % 80) / 100).toFixed(4)} 0.5 0.05 0.05\n`);
    fs.writeFileSync(path.join(ds, 'labels', 'crowd.txt'), lines.join(''));

    const { code, report } = await importJson([newProject(), ds]);

    expect(code).toBe(0);
    expect(report.annotations).toBe(10_000);
    expect(reasonFor(report, /labels[/\\]crowd\.txt$/)).toMatch(/10,050 boxes .*at most 10,000.* 50 left out/);
  });
});
