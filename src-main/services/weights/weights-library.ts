/**
 * The weights library's folder: `NAME.pt` files a user can see and copy, what the studio knows
 * of each in `.meta/NAME.pt.json` (task, classes, sha256, where it came from), and fetches in
 * progress in `.partial/`. A file joins the library whole: its metadata is written first, then the
 * checked file is renamed into place, so no process ever sees half a file under a library name,
 * and a crash between the two leaves metadata without a file, which is ignored.
 *
 * Ultralytics' own `weights_dir` points here too (see python-runtime/reticle_runtime/offline.py).
 */
import fs from 'node:fs';
import path from 'node:path';
import { createHash } from 'node:crypto';
import { pipeline } from 'node:stream/promises';
import { StudioError, type RuntimeWeightsInfo, type WeightsEntry } from '@shared';
import { processAlive } from '../store/project-folder.js';
import { writeFileAtomicSync } from '../settings/settings-store.js';

export class WeightsLibrary {
  private readonly metaDir: string;
  readonly partialDir: string;

  constructor(readonly dir: string) {
    this.metaDir = path.join(dir, '.meta');
    this.partialDir = path.join(dir, '.partial');
  }

  path(name: string): string {
    return path.join(this.dir, name);
  }

  /** Where a fetch or an add of `name` stages the file before it joins the library. */
  stagingPath(name: string): string {
    return path.join(this.partialDir, name);
  }

  /** The library's entries, by name; a file whose size no longer matches its metadata is left out. */
  entries(): WeightsEntry[] {
    let files: string[];
    try {
      files = fs.readdirSync(this.metaDir).filter((f) => f.endsWith('.pt.json'));
    } catch {
      return [];
    }
    return files
      .map((f) => this.get(f.slice(0, -'.json'.length)))
      .filter((e): e is WeightsEntry => e !== null)
      .sort((a, b) => a.name.localeCompare(b.name));
  }

  get(name: string): WeightsEntry | null {
    try {
      const entry = JSON.parse(fs.readFileSync(path.join(this.metaDir, `${name}.json`), 'utf8')) as WeightsEntry;
      const stat = fs.statSync(this.path(name));
      return stat.isFile() && stat.size === entry.bytes ? { ...entry, path: this.path(name), onnx: this.onnx(name, entry.sha256) } : null;
    } catch {
      return null;
    }
  }

  /** The ONNX export of `name`, when it was made from the file the library holds now. */
  private onnx(name: string, sha256: string): WeightsEntry['onnx'] {
    try {
      const record = JSON.parse(fs.readFileSync(this.onnxRecordPath(name), 'utf8')) as { path: string; bytes: number; fromSha256: string };
      return record.fromSha256 === sha256 && fs.statSync(record.path).size === record.bytes ? { path: record.path, bytes: record.bytes } : null;
    } catch {
      return null;
    }
  }

  private onnxRecordPath(name: string): string {
    return path.join(this.metaDir, `${name}.onnx.json`);
  }

  /** Records an ONNX export of `name`'s current file. */
  recordOnnx(name: string, onnx: { path: string; bytes: number }): void {
    const entry = this.get(name);
    if (!entry) throw new StudioError('not_found', `The library has no ${name}.`);
    writeFileAtomicSync(this.onnxRecordPath(name), JSON.stringify({ ...onnx, fromSha256: entry.sha256 }, null, 2));
  }

  /**
   * Moves a checked file from staging into the library under `name`.
   *
   * @throws StudioError `already_exists` when a different file has that name
   */
  async commit(name: string, staged: string, info: RuntimeWeightsInfo, source: WeightsEntry['source']): Promise<WeightsEntry> {
    const sha256 = await fileSha256(staged);
    const existing = this.get(name);
    if (existing && existing.sha256 !== sha256) {
      throw new StudioError('already_exists', `The library already has a different ${name} (from ${describeSource(existing.source)}). Remove it first, or give this file another name.`);
    }
    const entry: WeightsEntry = {
      name,
      path: this.path(name),
      bytes: fs.statSync(staged).size,
      sha256,
      task: info.task,
      classes: info.names,
      parameters: info.parameters,
      source,
      addedAt: new Date().toISOString(),
      onnx: null,
    };
    writeFileAtomicSync(path.join(this.metaDir, `${name}.json`), JSON.stringify(entry, null, 2));
    fs.renameSync(staged, this.path(name));
    return entry;
  }

  /** @returns whether there was such an entry */
  remove(name: string): boolean {
    const entry = this.get(name);
    if (entry?.onnx) fs.rmSync(entry.onnx.path, { force: true });
    fs.rmSync(this.onnxRecordPath(name), { force: true });
    fs.rmSync(path.join(this.metaDir, `${name}.json`), { force: true });
    fs.rmSync(this.path(name), { force: true });
    return entry !== null;
  }

  /**
   * Claims `name` for one fetch or add at a time, across processes (the app and a terminal).
   * A claim whose process is gone is taken over.
   *
   * @returns a function that lets go
   * @throws StudioError `conflict` while another live process holds it
   */
  claim(name: string): () => void {
    fs.mkdirSync(this.partialDir, { recursive: true });
    const lock = path.join(this.partialDir, `${name}.lock`);
    for (let attempt = 0; attempt < 2; attempt++) {
      try {
        fs.writeFileSync(lock, String(process.pid), { flag: 'wx' });
        return () => fs.rmSync(lock, { force: true });
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
        const pid = Number(fs.readFileSync(lock, 'utf8'));
        if (Number.isInteger(pid) && pid > 0 && processAlive(pid)) {
          throw new StudioError('conflict', `${name} is being fetched or added by another process (pid ${pid}). Wait for it to finish.`);
        }
        fs.rmSync(lock, { force: true });
      }
    }
    throw new StudioError('conflict', `${name} is being fetched or added by another process. Wait for it to finish.`);
  }
}

export function describeSource(source: WeightsEntry['source']): string {
  return source.kind === 'download' ? source.url : `${source.path} (added)`;
}

async function fileSha256(file: string): Promise<string> {
  const hash = createHash('sha256');
  await pipeline(fs.createReadStream(file), hash);
  return hash.digest('hex');
}
