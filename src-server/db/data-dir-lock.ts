/**
 * One server per PGlite data folder: PGlite has no lock of its own, and two processes writing one
 * folder corrupt it. The lock file names its owner by pid, the process's start time and the boot
 * it ran in, so a lock is live only when that very process still runs: a restarted server that is
 * PID 1 again in its container (the previous one was PID 1 too, then killed) is a process started
 * at another time, and takes the lock over.
 *
 * Node has no `flock`; this is the next best thing without native code. What it cannot tell:
 * a folder on a network share used by servers on two machines at once (a lock from another boot
 * counts as stale), or two containers on one host sharing the folder at once (another PID
 * namespace's process cannot be looked up). Give each server a folder of its own.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export const LOCK_FILE = 'reticle-server.lock';

/** Who holds the lock, as written in the file. */
export interface LockOwner {
  pid: number;
  /** When the process started, as the system reports it; null where it cannot be read. */
  started: string | null;
  /** Which boot of which machine: Linux's boot_id, or the BSD/macOS boot time; null where unknown. */
  boot: string | null;
  host: string;
}

function readOrNull(file: string): string | null {
  try {
    return fs.readFileSync(file, 'utf8').trim();
  } catch {
    return null;
  }
}

function commandOrNull(cmd: string, args: string[]): string | null {
  try {
    const out = execFileSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], timeout: 5000 }).trim();
    return out || null;
  } catch {
    return null;
  }
}

/**
 * When process `pid` started: on Linux field 22 of /proc/<pid>/stat (clock ticks after boot), else
 * `ps -o lstart=`. Null when it is not running (or this system cannot say).
 */
export function processStartTime(pid: number): string | null {
  if (!Number.isInteger(pid) || pid <= 0) return null;
  if (process.platform === 'linux') {
    const stat = readOrNull(`/proc/${pid}/stat`);
    if (stat === null) return null;
    // The command name (field 2) is in parentheses and may hold spaces and parentheses itself.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return fields[19] ?? null;
  }
  if (process.platform === 'win32') return null;
  return commandOrNull('ps', ['-o', 'lstart=', '-p', String(pid)]);
}

/** This boot of this machine. */
export function bootId(): string | null {
  if (process.platform === 'linux') return readOrNull('/proc/sys/kernel/random/boot_id');
  if (process.platform === 'win32') return null;
  const boottime = commandOrNull('sysctl', ['-n', 'kern.boottime']);
  return boottime ? (/sec = \d+, usec = \d+/.exec(boottime)?.[0] ?? boottime) : null;
}

export function currentOwner(): LockOwner {
  return { pid: process.pid, started: processStartTime(process.pid), boot: bootId(), host: os.hostname() };
}

function running(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** The owner a lock file names; a bare pid is the format of servers before issue 19. */
export function parseOwner(text: string): LockOwner | null {
  if (/^\d+$/.test(text)) return { pid: Number(text), started: null, boot: null, host: '' };
  try {
    const value = JSON.parse(text) as Partial<LockOwner>;
    if (!Number.isInteger(value.pid) || (value.pid as number) <= 0) return null;
    return { pid: value.pid as number, started: value.started ?? null, boot: value.boot ?? null, host: String(value.host ?? '') };
  } catch {
    return null;
  }
}

/** Whether the process a lock names still runs: the same pid, started at the same time, in this boot. */
export function ownerIsLive(owner: LockOwner, self: LockOwner = currentOwner()): boolean {
  if (owner.boot && self.boot && owner.boot !== self.boot) return false;
  if (!running(owner.pid)) return false;
  const started = processStartTime(owner.pid);
  if (owner.started && started) return owner.started === started;
  // A lock without a start time (an older server's, or a system that cannot say): a live pid
  // counts, unless it is this very process, which has not locked the folder yet.
  return owner.started !== null || owner.pid !== self.pid;
}


/**
 * Takes the folder's lock or throws, saying who holds it. Answers a function that lets go
 * (it removes the file only while it is still this lock).
 */
export function lockDataDir(dir: string): () => void {
  const file = path.join(dir, LOCK_FILE);
  const mine = JSON.stringify(currentOwner());
  const release = () => {
    if (readOrNull(file) === mine) fs.rmSync(file, { force: true });
  };
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      fs.writeFileSync(file, mine, { flag: 'wx' });
      return release;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    const text = readOrNull(file);
    if (text === null) continue;
    const owner = parseOwner(text);
    if (owner && ownerIsLive(owner)) {
      throw new Error(`Another reticle-server (pid ${owner.pid}) is using ${dir}: stop it first, or give this one another --data folder.`);
    }
    // Stale. Moved aside under a name of our own: of two servers starting at once, one moves it.
    const aside = `${file}.stale-${process.pid}-${Date.now()}`;
    try {
      fs.renameSync(file, aside);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') continue;
      throw err;
    }
    const moved = readOrNull(aside);
    fs.rmSync(aside, { force: true });
    if (moved !== text) {
      // The other one was quicker and had locked it afresh: give its lock back.
      if (moved !== null) fs.writeFileSync(file, moved, { flag: 'wx' });
      throw new Error(`Another reticle-server is starting on ${dir}: stop it first, or give this one another --data folder.`);
    }
  }
  throw new Error(`Could not lock ${dir}: remove ${file} if no server is running.`);
}
