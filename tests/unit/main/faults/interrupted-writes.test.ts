/**
 * A studio killed between writing a media file (or thumbnail, or rendition) and renaming it into
 * place leaves a temporary file. Opening the project after such a kill removes those of writers
 * that are gone, and keeps those of a studio process that is still writing.
 */
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ProjectStore } from '../../../../src-main/services/store/project-store.js';
import { writeAtomic } from '../../../../src-main/services/media/media-store.js';
import { tempDir } from '../../helpers/images.js';
import { temporaryFiles } from './full-disk.js';

const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const c of cleanups.splice(0)) c();
});

/** A pid that belonged to a process which has ended. */
function deadPid(): number {
  return Number(spawnSync(process.execPath, ['-e', 'console.log(process.pid)'], { encoding: 'utf8' }).stdout.trim());
}

/** Leaves the project's database as a killed studio does: its WAL file still there. */
function killWhileOpen(dir: string): void {
  const script = `const D = require('better-sqlite3'); const db = new D(${JSON.stringify(path.join(dir, 'project.db'))}); db.pragma('journal_mode = WAL'); db.exec("UPDATE project SET name = 'killed'"); process.kill(process.pid, 'SIGKILL');`;
  const r = spawnSync(process.execPath, ['-e', script], { cwd: path.resolve(import.meta.dirname, '../../../..') });
  expect(r.signal).toBe('SIGKILL');
  expect(fs.existsSync(path.join(dir, 'project.db-wal'))).toBe(true);
}

describe('temporary files of interrupted writes', () => {
  it('are named after their writer, and opening the project after a kill removes those of writers that are gone', async () => {
    const root = tempDir('reticle-leftovers-');
    cleanups.push(() => fs.rmSync(root, { recursive: true, force: true }));
    const dir = path.join(root, 'project');
    const store = ProjectStore.create(dir, { name: 'leftovers', task: 'detect' });
    const hash = 'ab'.repeat(32);
    const media = path.join(store.paths.media, 'ab', `${hash}.jpg`);
    const renames = vi.spyOn(fsp, 'rename');
    cleanups.push(() => renames.mockRestore());
    await writeAtomic(media, 'finished');
    // Written beside the target under a name that says which process wrote it.
    expect(renames.mock.calls).toEqual([[`${media}.${process.pid}.${renames.mock.calls[0][0].toString().split('.').at(-2)}.tmp`, media]]);
    expect(renames.mock.calls[0][0]).toMatch(/\.jpg\.\d+\.[0-9a-f]{12}\.tmp$/);
    store.dispose();

    const live = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60000)']);
    cleanups.push(() => live.kill('SIGKILL'));
    const dead = deadPid();
    const leftovers = {
      dead: `${media}.${dead}.0123456789ab.tmp`,
      older: path.join(store.paths.thumbs, 'cd', `${'cd'.repeat(32)}.jpg.0123456789ab.tmp`),
      rendition: path.join(store.paths.cache, 'display', 'ef', `${'ef'.repeat(32)}.png.${dead}.ba9876543210.tmp`),
      live: `${media}.${live.pid}.0123456789ab.tmp`,
      notOurs: path.join(store.paths.media, 'ab', 'notes.tmp'),
    };
    for (const file of Object.values(leftovers)) {
      fs.mkdirSync(path.dirname(file), { recursive: true });
      fs.writeFileSync(file, 'half a file');
    }
    killWhileOpen(dir);
    const reopened = ProjectStore.open(dir);
    cleanups.push(() => reopened.dispose());
    expect(reopened.integrityCheck()).toBe('ok');
    expect(temporaryFiles(dir).sort()).toEqual([leftovers.live, leftovers.notOurs].sort());
    expect(fs.readFileSync(media, 'utf8')).toBe('finished');
  });

  it('a write that fails removes its own temporary file', async () => {
    const root = tempDir('reticle-leftovers-');
    cleanups.push(() => fs.rmSync(root, { recursive: true, force: true }));
    const target = path.join(root, 'ab', 'file.jpg');
    fs.mkdirSync(target, { recursive: true }); // a folder where the file should go: the rename fails
    await expect(writeAtomic(target, 'bytes')).rejects.toThrow();
    expect(temporaryFiles(root)).toEqual([]);
  });
});
