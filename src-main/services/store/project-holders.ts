/**
 * Which processes have a project open, so that one that waits too long for the write lock can
 * say who holds it ("reticle import (pid 4242), open since 10:02"). Each process that opens a
 * project leaves a small file in `.processes/` beside the database and removes it on close; a
 * file whose process is gone (killed, crashed) is skipped and swept by the next reader.
 *
 * SQLite itself cannot say which connection holds its lock: this is the part that can be known.
 */
import fs from 'node:fs';
import path from 'node:path';
import { processAlive } from './project-folder.js';

export const HOLDERS_DIR = '.processes';

export interface ProjectHolder {
  pid: number;
  /** What the process is, in the words a user would recognise: `reticle import`, `Reticle Studio`. */
  what: string;
  since: string;
}

let counter = 0;

/** What this process is: the `reticle` command and its subcommand, the desktop app, or node's script. */
export function describeThisProcess(argv: readonly string[] = process.argv): string {
  if (process.versions.electron) return 'Reticle Studio (desktop)';
  const script = path.basename(argv[1] ?? '');
  if (/^reticle(\.m?js)?$/.test(script)) return `reticle ${argv[2] ?? ''}`.trim();
  if (/^reticle-server(\.m?js)?$/.test(script)) return 'reticle-server';
  return script ? `node ${script}` : 'node';
}

/**
 * Records that this process has the project in `root` open; returns the function that removes the
 * record. Never fails the open: a read-only or full disk only costs the name in a busy message.
 */
export function announceHolder(root: string, what = describeThisProcess()): () => void {
  const dir = path.join(root, HOLDERS_DIR);
  const file = path.join(dir, `${process.pid}-${++counter}.json`);
  try {
    fs.mkdirSync(dir, { recursive: true });
    const holder: ProjectHolder = { pid: process.pid, what, since: new Date().toISOString() };
    fs.writeFileSync(file, JSON.stringify(holder));
  } catch {
    return () => undefined;
  }
  return () => fs.rmSync(file, { force: true });
}

/** The other live processes that have the project open, oldest first. */
export function otherHolders(root: string): ProjectHolder[] {
  const dir = path.join(root, HOLDERS_DIR);
  let names: string[];
  try {
    names = fs.readdirSync(dir);
  } catch {
    return [];
  }
  const holders: ProjectHolder[] = [];
  for (const name of names) {
    if (!name.endsWith('.json')) continue;
    const file = path.join(dir, name);
    let holder: ProjectHolder;
    try {
      holder = JSON.parse(fs.readFileSync(file, 'utf8')) as ProjectHolder;
    } catch {
      continue;
    }
    if (typeof holder?.pid !== 'number' || holder.pid === process.pid) continue;
    if (!processAlive(holder.pid)) {
      fs.rmSync(file, { force: true });
      continue;
    }
    holders.push({ pid: holder.pid, what: String(holder.what ?? 'a process'), since: String(holder.since ?? '') });
  }
  return holders.sort((a, b) => a.since.localeCompare(b.since));
}

/** "reticle import (pid 4242, open since 22:10:05) and Reticle Studio (desktop) (pid 17, …)". */
export function describeHolders(holders: readonly ProjectHolder[]): string {
  const one = (h: ProjectHolder) => {
    const since = Number.isNaN(Date.parse(h.since)) ? '' : `, open since ${new Date(h.since).toLocaleTimeString()}`;
    return `${h.what} (pid ${h.pid}${since})`;
  };
  if (holders.length <= 1) return holders.map(one).join('');
  return `${holders.slice(0, -1).map(one).join(', ')} and ${one(holders[holders.length - 1]!)}`;
}
