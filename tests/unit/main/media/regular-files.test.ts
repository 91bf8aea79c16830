/**
 * Files a person or a dataset names are opened only when they are regular files (issue 19,
 * finding 5): a named pipe with no writer, /dev/zero behind a link and a socket are refused
 * without being read, and a file over the limit is refused before it is read.
 */
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { afterEach, describe, expect, it } from 'vitest';
import { readRegularFile, regularFileOrThrow } from '../../../../src-main/services/media/regular-files.js';
import { tempDir } from '../../helpers/images.js';

const closers: (() => void)[] = [];
afterEach(() => {
  for (const close of closers.splice(0)) close();
});

describe('regular files only', () => {
  it('refuses a link to /dev/zero named like a model, naming what it is and where it leads', async () => {
    const model = path.join(tempDir(), 'best.onnx');
    fs.symlinkSync('/dev/zero', model);
    await expect(regularFileOrThrow(model, `The model ${model}`)).rejects.toMatchObject({
      code: 'invalid_input',
      message: expect.stringMatching(/^The model .*best\.onnx is a character device, not a regular file \(.* leads to \/dev\/zero\)\.$/),
    });
    await expect(readRegularFile(model, 'The model', 1024)).rejects.toMatchObject({ code: 'invalid_input' });
  });

  it('refuses a named pipe that no one writes to, instead of waiting for a writer', async () => {
    const fifo = path.join(tempDir(), 'labels.txt');
    execFileSync('mkfifo', [fifo]);
    await expect(readRegularFile(fifo, 'The label file', 1024)).rejects.toMatchObject({ message: expect.stringMatching(/named pipe \(FIFO\)/) });
  });

  it('refuses a socket and a folder', async () => {
    const dir = tempDir();
    const socket = path.join(dir, 'data.yaml');
    const server = net.createServer();
    await new Promise<void>((resolve) => server.listen(socket, resolve));
    closers.push(() => server.close());
    await expect(readRegularFile(socket, 'The YAML', 1024)).rejects.toMatchObject({ message: expect.stringMatching(/is a socket/) });
    await expect(readRegularFile(dir, 'The YAML', 1024)).rejects.toMatchObject({ message: expect.stringMatching(/is a folder/) });
  });

  it('refuses a file over the limit before reading it, and reads one that fits', async () => {
    const dir = tempDir();
    const huge = path.join(dir, 'instances.json');
    // Sparse: 600 MiB by its size, nothing on the disk.
    fs.closeSync(fs.openSync(huge, 'w'));
    fs.truncateSync(huge, 600 * 1024 ** 2);
    await expect(readRegularFile(huge, 'The COCO file', 500 * 1024 ** 2)).rejects.toMatchObject({
      message: 'The COCO file is too large (600 MiB; the limit is 500 MiB).',
    });
    const small = path.join(dir, 'a.txt');
    fs.writeFileSync(small, '0 0.5 0.5 0.1 0.1\n');
    expect((await readRegularFile(small, 'The label file', 1024)).toString()).toBe('0 0.5 0.5 0.1 0.1\n');
    const empty = path.join(dir, 'empty.txt');
    fs.writeFileSync(empty, '');
    expect((await readRegularFile(empty, 'The label file', 1024)).length).toBe(0);
  });
});
