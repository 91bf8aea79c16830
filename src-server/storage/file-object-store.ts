import fs from 'node:fs';
import path from 'node:path';
import { isObjectKey, type ObjectStore, type StoredObject } from './object-store.js';

/**
 * Objects in a folder, content-addressed: `<root>/media/ab/abcdef…`. A file appears there only
 * by a rename of a complete temp file, so a reader never sees half an object.
 */
export class FileObjectStore implements ObjectStore {
  readonly kind = 'file' as const;

  constructor(private readonly root: string) {
    fs.mkdirSync(root, { recursive: true });
  }

  private pathOf(key: string): string {
    if (!isObjectKey(key)) throw new Error(`not an object key: ${JSON.stringify(key).slice(0, 80)}`);
    const [kind, hash] = key.split('/');
    return path.join(this.root, kind, hash.slice(0, 2), hash);
  }

  /** Moves the temp file into place; copies when the temp folder is on another disk. */
  async putFile(key: string, file: string, _bytes: number): Promise<void> {
    const target = this.pathOf(key);
    await fs.promises.mkdir(path.dirname(target), { recursive: true });
    try {
      await fs.promises.rename(file, target);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EXDEV') throw err;
      const staging = `${target}.${process.pid}.${Date.now()}.part`;
      await fs.promises.copyFile(file, staging);
      await fs.promises.rename(staging, target);
      await fs.promises.rm(file, { force: true });
    }
  }

  async get(key: string): Promise<StoredObject | null> {
    const file = this.pathOf(key);
    try {
      const handle = await fs.promises.open(file, 'r');
      const { size } = await handle.stat();
      return { stream: handle.createReadStream(), bytes: size };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw err;
    }
  }

  async has(key: string): Promise<boolean> {
    try {
      await fs.promises.access(this.pathOf(key));
      return true;
    } catch {
      return false;
    }
  }

  async delete(key: string): Promise<void> {
    await fs.promises.rm(this.pathOf(key), { force: true });
  }

  async close(): Promise<void> {}
}
