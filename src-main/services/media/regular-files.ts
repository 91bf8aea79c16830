/**
 * Opening a file a person or a dataset named (an image, a label file, a model) without trusting
 * what it is. A named pipe blocks a read until some writer comes, which may be never; a device
 * such as /dev/zero never ends; a socket cannot be opened at all. So the path is looked at first
 * and only a regular file is opened, with O_NONBLOCK in case the path was swapped for a pipe in
 * between (the open then returns at once, and the handle is checked again), and never more than
 * a stated number of bytes is read.
 */
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';
import { StudioError } from '@shared';

/** 0 where the platform has no O_NONBLOCK (Windows, which has no FIFOs in the file system). */
const NONBLOCK = fs.constants.O_NONBLOCK ?? 0;
const MiB = 1024 ** 2;

/** What a path that is not a regular file is, in words. */
function kindInWords(stat: fs.Stats): string {
  if (stat.isDirectory()) return 'a folder';
  if (stat.isFIFO()) return 'a named pipe (FIFO)';
  if (stat.isCharacterDevice()) return 'a character device';
  if (stat.isBlockDevice()) return 'a block device';
  if (stat.isSocket()) return 'a socket';
  return 'something other than a file';
}

async function notRegular(file: string, what: string, stat: fs.Stats): Promise<StudioError> {
  const target = await fsp.realpath(file).catch(() => null);
  const link = target && target !== path.resolve(file) ? ` (${file} leads to ${target})` : '';
  return new StudioError('invalid_input', `${what} is ${kindInWords(stat)}, not a regular file${link}.`);
}

/** `bytes` is the size the file system gave; unknown for a file that grew past the limit as it was read. */
function tooLarge(what: string, maxBytes: number, bytes?: number): StudioError {
  const size = bytes === undefined ? `over ${inMiB(maxBytes)}` : inMiB(bytes);
  return new StudioError('invalid_input', `${what} is too large (${size}; the limit is ${inMiB(maxBytes)}).`);
}

function inMiB(bytes: number): string {
  return `${Number((bytes / MiB).toFixed(bytes < 10 * MiB ? 1 : 0))} MiB`;
}

/**
 * The stat of `file` (links followed) when it is a regular file; it is never opened.
 *
 * @param what names the file in the error, as a sentence starts: "The model /x/best.onnx"
 * @throws StudioError `invalid_input` when it is a folder, a named pipe, a device or a socket;
 *   the file system's own error (ENOENT…) when it cannot be looked at
 */
export async function regularFileOrThrow(file: string, what: string): Promise<fs.Stats> {
  const stat = await fsp.stat(file);
  if (!stat.isFile()) throw await notRegular(file, what, stat);
  return stat;
}

/**
 * Opens a regular file for reading, refusing anything else before it is opened and again after
 * (the path may change in between). The caller closes the handle.
 *
 * @param maxBytes refuse a file larger than this
 * @throws StudioError `invalid_input` for what is not a regular file or is too large; the file
 *   system's own error (ENOENT, EACCES…) otherwise
 */
export async function openRegularFile(file: string, what: string, maxBytes = Infinity): Promise<{ handle: fsp.FileHandle; stat: fs.Stats }> {
  const before = await regularFileOrThrow(file, what);
  if (before.size > maxBytes) throw tooLarge(what, maxBytes, before.size);
  const handle = await fsp.open(file, fs.constants.O_RDONLY | NONBLOCK);
  try {
    const stat = await handle.stat();
    if (!stat.isFile()) throw await notRegular(file, what, stat);
    if (stat.size > maxBytes) throw tooLarge(what, maxBytes, stat.size);
    return { handle, stat };
  } catch (err) {
    await handle.close();
    throw err;
  }
}

/**
 * Reads a whole regular file of at most `maxBytes` (a file that grows past it while read is
 * refused too).
 *
 * @throws as {@link openRegularFile}
 */
export async function readRegularFile(file: string, what: string, maxBytes: number): Promise<Buffer> {
  const { handle, stat } = await openRegularFile(file, what, maxBytes);
  try {
    // One byte more than the file system said: a file that grew while read is noticed.
    let buffer = Buffer.allocUnsafe(Math.min(stat.size, maxBytes) + 1);
    const chunks: Buffer[] = [];
    let filled = 0;
    let total = 0;
    for (;;) {
      const { bytesRead } = await handle.read(buffer, filled, buffer.length - filled, null);
      if (bytesRead === 0) break;
      filled += bytesRead;
      total += bytesRead;
      if (total > maxBytes) throw tooLarge(what, maxBytes);
      if (filled === buffer.length) {
        chunks.push(buffer);
        buffer = Buffer.allocUnsafe(MiB);
        filled = 0;
      }
    }
    chunks.push(buffer.subarray(0, filled));
    return chunks.length === 1 ? chunks[0] : Buffer.concat(chunks);
  } finally {
    await handle.close();
  }
}
