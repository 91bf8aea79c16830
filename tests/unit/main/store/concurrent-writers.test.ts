/**
 * Two processes on one project: a writer waits for the other's transaction instead of failing,
 * and one that waits too long gets `project_busy`, naming who has the project open.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { StudioError, toErrorPayload } from '@shared';
import { ProjectStore } from '../../../../src-main/services/store/project-store.js';
import { describeThisProcess, otherHolders } from '../../../../src-main/services/store/project-holders.js';
import { tempDir } from '../../helpers/images.js';

const children: ChildProcess[] = [];
afterEach(() => {
  for (const c of children.splice(0)) c.kill('SIGKILL');
});

/**
 * Another process with the project open as `reticle import` would have it: it announces itself,
 * takes the write lock, writes a class, says "locked", and commits after `holdMs`.
 */
function otherWriter(dir: string, holdMs: number): Promise<ChildProcess> {
  const script = `
    const Database = require('better-sqlite3');
    const fs = require('node:fs');
    const path = require('node:path');
    const dir = process.argv[1];
    fs.mkdirSync(path.join(dir, '.processes'), { recursive: true });
    fs.writeFileSync(path.join(dir, '.processes', process.pid + '-1.json'), JSON.stringify({ pid: process.pid, what: 'reticle import', since: new Date().toISOString() }));
    const db = new Database(path.join(dir, 'project.db'));
    db.prepare('BEGIN IMMEDIATE').run();
    db.prepare("INSERT INTO classes (name, color, ord) VALUES ('from-the-other', '#ffffff', 99)").run();
    process.stdout.write('locked\\n');
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, Number(process.argv[2]));
    db.prepare('COMMIT').run();
    process.stdout.write('committed\\n');
    setInterval(() => {}, 1000);
  `;
  const child = spawn(process.execPath, ['-e', script, dir, String(holdMs)], { cwd: path.resolve(import.meta.dirname, '../../../..'), stdio: ['ignore', 'pipe', 'inherit'] });
  children.push(child);
  return new Promise((resolve, reject) => {
    child.stdout!.on('data', (d: Buffer) => d.toString().includes('locked') && resolve(child));
    child.once('exit', (code) => reject(new Error(`the other writer exited ${code}`)));
  });
}

describe('two processes writing to one project', () => {
  it('waits for the other process to commit, then writes (no "database is locked")', async () => {
    const dir = path.join(tempDir(), 'p');
    const store = ProjectStore.create(dir, { name: 'p', task: 'detect' });
    await otherWriter(dir, 600);
    // ensure() reads, then writes: as a deferred transaction it would fail at once with
    // SQLITE_BUSY_SNAPSHOT when the other commits; BEGIN IMMEDIATE waits for the lock instead.
    const { created } = store.classes.ensure(['cat', 'from-the-other']);
    expect(created).toEqual(['cat']);
    expect(store.classes.list().map((c) => c.name).sort()).toEqual(['cat', 'from-the-other']);
    store.dispose();
  });

  it('answers project_busy, naming the process that holds the project, when the lock is not freed in time', async () => {
    const dir = path.join(tempDir(), 'p');
    const store = ProjectStore.create(dir, { name: 'p', task: 'detect' });
    const other = await otherWriter(dir, 60_000);
    let error: unknown;
    try {
      store.classes.ensure(['cat']);
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(StudioError);
    const payload = toErrorPayload(error);
    expect(payload.code).toBe('project_busy');
    expect(payload.message).toContain(`reticle import (pid ${other.pid}`);
    expect(payload.message).toMatch(/Nothing was changed/);
    // Nothing of this process's write landed; the other's is still its own to commit.
    other.kill('SIGKILL');
    await new Promise((r) => other.once('exit', r));
    expect(store.classes.list()).toEqual([]);
    store.dispose();
  });

  it('lists the processes that have a project open, and forgets those that are gone', () => {
    const dir = path.join(tempDir(), 'p');
    const first = ProjectStore.create(dir, { name: 'p', task: 'detect' });
    const second = ProjectStore.open(dir);
    // Both are this process: a process never names itself as the one in its way.
    expect(otherHolders(dir)).toEqual([]);
    first.dispose();
    second.dispose();
    expect(describeThisProcess(['node', '/usr/lib/node_modules/reticle-studio/bin/reticle.mjs', 'import', 'p', 'd'])).toBe('reticle import');
  });

  it('maps a raw SQLITE_BUSY from any other write to project_busy, never internal', () => {
    const err = Object.assign(new Error('database is locked'), { code: 'SQLITE_BUSY' });
    expect(toErrorPayload(err).code).toBe('project_busy');
  });
});
