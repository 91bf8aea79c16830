/**
 * Images outside the project that the user chose to preview a model on (a folder of new
 * pictures). The page never names a path to be served: opening a folder hands it an opaque,
 * random token per image file, and the media routes answer only tokens handed out here, with a
 * JPEG rendition (EXIF orientation applied, at most 2048 px) made in a temporary folder. Tokens
 * of older folders are dropped, so the map stays small.
 */
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { StudioError, type ExternalFolder } from '@shared';
import { IMAGE_EXTENSIONS } from './image-files.js';
import { previewRendition } from './image-decoder.js';
import type { ResolvedMedia } from './resolved-media.js';

/** The most image files one folder offers for preview. */
const MAX_EXTERNAL_FILES = 1000;
/** Folders whose tokens stay valid: the current one and a few before it. */
const KEPT_FOLDERS = 4;
/** Subfolders deeper than this are not searched. */
const MAX_DEPTH = 3;
const TOKEN = /^[0-9a-f]{32}$/;

export class ExternalImages {
  private readonly files = new Map<string, string>();
  private readonly folders: string[][] = [];
  private readonly renditions = new Map<string, Promise<string>>();
  private cacheDir: string | null = null;

  /** Lists the image files in `dir` (and its subfolders, a few levels deep), by name, each with a token. */
  async open(dir: string): Promise<ExternalFolder> {
    const root = path.resolve(dir);
    let stat;
    try {
      stat = await fs.stat(root);
    } catch {
      throw new StudioError('not_found', `There is no folder ${root}.`);
    }
    if (!stat.isDirectory()) throw new StudioError('invalid_input', `${root} is a file, not a folder. Choose the folder that holds the images.`);
    const found: string[] = [];
    let truncated = false;
    const walk = async (current: string, depth: number): Promise<void> => {
      let entries;
      try {
        entries = await fs.readdir(current, { withFileTypes: true });
      } catch {
        return; // An unreadable subfolder is skipped, as an import skips it.
      }
      entries.sort((a, b) => a.name.localeCompare(b.name, undefined, { numeric: true }));
      for (const entry of entries) {
        if (found.length >= MAX_EXTERNAL_FILES) {
          truncated = true;
          return;
        }
        if (entry.name.startsWith('.')) continue;
        const full = path.join(current, entry.name);
        if (entry.isDirectory() && depth < MAX_DEPTH) await walk(full, depth + 1);
        else if (entry.isFile() && IMAGE_EXTENSIONS.has(path.extname(entry.name).toLowerCase())) found.push(full);
      }
    };
    await walk(root, 0);
    const tokens: string[] = [];
    const images = found.map((file) => {
      const token = randomBytes(16).toString('hex');
      this.files.set(token, file);
      tokens.push(token);
      return { token, path: file, name: path.relative(root, file) };
    });
    this.folders.push(tokens);
    while (this.folders.length > KEPT_FOLDERS) for (const old of this.folders.shift()!) this.forget(old);
    return { dir: root, images, truncated };
  }

  /** The file behind a token, or null for a token this studio never handed out. */
  pathOf(token: string): string | null {
    return TOKEN.test(token) ? (this.files.get(token) ?? null) : null;
  }

  /** What the media routes serve for `external/<token>`. */
  async resolve(token: string): Promise<ResolvedMedia> {
    const file = this.pathOf(token);
    if (!file) throw new StudioError('not_found', 'No such image.');
    let pending = this.renditions.get(token);
    if (!pending) {
      pending = this.render(token, file);
      this.renditions.set(token, pending);
      pending.catch(() => this.renditions.delete(token));
    }
    return { path: await pending, contentType: 'image/jpeg', etag: `"x-${token}"` };
  }

  async dispose(): Promise<void> {
    this.files.clear();
    this.renditions.clear();
    this.folders.length = 0;
    if (this.cacheDir) await fs.rm(this.cacheDir, { recursive: true, force: true });
    this.cacheDir = null;
  }

  private async render(token: string, file: string): Promise<string> {
    this.cacheDir ??= await fs.mkdtemp(path.join(os.tmpdir(), 'reticle-previews-'));
    const target = path.join(this.cacheDir, `${token}.jpg`);
    let bytes: Buffer;
    try {
      bytes = await fs.readFile(file);
    } catch {
      throw new StudioError('not_found', `${file} can no longer be read.`);
    }
    let jpeg: Buffer;
    try {
      jpeg = await previewRendition(bytes);
    } catch (err) {
      // The preview's predict reports the same file as undecodable, with the reason.
      throw new StudioError('invalid_input', `${file} could not be shown: ${err instanceof Error ? err.message : String(err)}`);
    }
    const temp = `${target}.${randomBytes(4).toString('hex')}.tmp`;
    await fs.writeFile(temp, jpeg);
    await fs.rename(temp, target);
    return target;
  }

  private forget(token: string): void {
    this.files.delete(token);
    const rendered = this.renditions.get(token);
    this.renditions.delete(token);
    if (rendered && this.cacheDir) void rendered.then((p) => fs.rm(p, { force: true })).catch(() => undefined);
  }
}
