/**
 * App settings (recent projects, preferences). The desktop app keeps them with electron-store;
 * `reticle serve` and the CLI keep them in a JSON file written atomically, so a killed process
 * never leaves a half-written file.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';

export interface SettingsStore {
  get<T>(key: string): T | undefined;
  set(key: string, value: unknown): void;
}

/** Where the studio keeps its own files when no Electron is around: `$RETICLE_HOME` or `~/.reticle`. */
export function studioHome(): string {
  return process.env.RETICLE_HOME ? path.resolve(process.env.RETICLE_HOME) : path.join(os.homedir(), '.reticle');
}

export class JsonFileSettings implements SettingsStore {
  private data: Record<string, unknown>;

  constructor(private readonly file: string) {
    this.data = JsonFileSettings.read(file);
  }

  private static read(file: string): Record<string, unknown> {
    try {
      const parsed = JSON.parse(fs.readFileSync(file, 'utf8')) as unknown;
      return parsed && typeof parsed === 'object' && !Array.isArray(parsed) ? (parsed as Record<string, unknown>) : {};
    } catch (err) {
      if ((err as { code?: string }).code !== 'ENOENT') {
        // A damaged settings file must not stop the studio: keep it aside and start afresh.
        try {
          fs.renameSync(file, `${file}.damaged-${Date.now()}`);
        } catch {
          /* nothing more to save */
        }
      }
      return {};
    }
  }

  get<T>(key: string): T | undefined {
    return this.data[key] as T | undefined;
  }

  set(key: string, value: unknown): void {
    this.data = { ...this.data, [key]: value };
    writeFileAtomicSync(this.file, JSON.stringify(this.data, null, 2));
  }
}

export function writeFileAtomicSync(file: string, content: string): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const tmp = `${file}.${randomBytes(6).toString('hex')}.tmp`;
  const fd = fs.openSync(tmp, 'w');
  try {
    fs.writeFileSync(fd, content);
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
  try {
    fs.renameSync(tmp, file);
  } catch (err) {
    fs.rmSync(tmp, { force: true });
    throw err;
  }
}
