/**
 * Browser uploads to `reticle serve`: files dropped or picked in the page have no path on the
 * server, so each one is PUT into an upload's staging folder under its relative path, and the
 * import then names the top-level entries of that folder.
 */
import { SERVE_ROUTES, StudioError, isErrorPayload } from '@shared';

export interface UploadEntry {
  file: Blob;
  /** `holiday/day1/a.jpg`, or just `a.jpg` for a loose file. */
  relativePath: string;
}

export interface UploadProgress {
  filesDone: number;
  filesTotal: number;
  bytesDone: number;
  bytesTotal: number;
}

interface UploadOptions {
  uploadId: string;
  concurrency?: number;
  signal?: AbortSignal;
  onProgress?: (progress: UploadProgress) => void;
  fetchImpl?: typeof fetch;
  /** Where the server lives; the page's own origin when left out. */
  baseUrl?: string;
}

/** 22 random characters from `[A-Za-z0-9_-]`, as the import contract requires. */
export function newUploadId(): string {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-';
  const bytes = crypto.getRandomValues(new Uint8Array(22));
  let id = '';
  for (const b of bytes) id += alphabet[b & 63];
  return id;
}

/** `/upload/<id>/<each segment encoded>`. */
export function uploadPath(uploadId: string, relativePath: string): string {
  const segments = relativePath.split('/').filter((s) => s !== '' && s !== '.');
  if (segments.length === 0 || segments.includes('..')) throw new StudioError('invalid_input', `Cannot upload ${JSON.stringify(relativePath)}.`);
  return `${SERVE_ROUTES.upload}/${uploadId}/${segments.map(encodeURIComponent).join('/')}`;
}

/** The distinct first segments of the uploaded paths, in first-seen order: what the import names. */
export function topLevelNames(entries: readonly UploadEntry[]): string[] {
  const names = new Set<string>();
  for (const e of entries) names.add(e.relativePath.split('/').find((s) => s !== '') ?? e.relativePath);
  return [...names];
}

/**
 * Gives each entry a distinct relative path: two loose files called `a.jpg` from different drops
 * would otherwise overwrite each other in the staging folder.
 */
export function distinctPaths(entries: readonly UploadEntry[]): UploadEntry[] {
  const seen = new Set<string>();
  return entries.map((e) => {
    let path = e.relativePath;
    if (seen.has(path)) {
      const dot = path.lastIndexOf('.');
      const slash = path.lastIndexOf('/');
      const [stem, ext] = dot > slash + 1 ? [path.slice(0, dot), path.slice(dot)] : [path, ''];
      let n = 2;
      while (seen.has(`${stem} (${n})${ext}`)) n++;
      path = `${stem} (${n})${ext}`;
    }
    seen.add(path);
    return path === e.relativePath ? e : { file: e.file, relativePath: path };
  });
}

/** PUTs every file, a few at a time; rejects on the first failure (and stops the rest). */
export async function uploadFiles(entries: readonly UploadEntry[], options: UploadOptions): Promise<void> {
  const doFetch = options.fetchImpl ?? fetch.bind(globalThis);
  const concurrency = Math.max(1, options.concurrency ?? 4);
  const progress: UploadProgress = {
    filesDone: 0,
    filesTotal: entries.length,
    bytesDone: 0,
    bytesTotal: entries.reduce((sum, e) => sum + e.file.size, 0),
  };
  options.onProgress?.({ ...progress });
  const failed = new AbortController();
  const signal = options.signal ? AbortSignal.any([options.signal, failed.signal]) : failed.signal;
  let next = 0;
  let firstError: unknown = null;

  const worker = async () => {
    while (next < entries.length && firstError === null) {
      const entry = entries[next++];
      try {
        const url = (options.baseUrl ?? '') + uploadPath(options.uploadId, entry.relativePath);
        const response = await doFetch(url, { method: 'PUT', body: entry.file, signal, headers: { 'content-type': 'application/octet-stream' } });
        if (!response.ok) throw await errorFromResponse(response, entry.relativePath);
      } catch (err) {
        if (firstError === null) firstError = asUploadError(err, entry.relativePath, options.signal);
        failed.abort();
        return;
      }
      progress.filesDone += 1;
      progress.bytesDone += entry.file.size;
      options.onProgress?.({ ...progress });
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, entries.length) }, worker));
  if (firstError !== null) throw firstError;
}

async function errorFromResponse(response: Response, relativePath: string): Promise<StudioError> {
  const text = await response.text().catch(() => '');
  try {
    const body = JSON.parse(text) as unknown;
    const payload = isErrorPayload(body) ? body : isErrorPayload((body as { error?: unknown })?.error) ? (body as { error: unknown }).error : null;
    if (payload && isErrorPayload(payload)) return new StudioError(payload.code, `Could not upload ${relativePath}: ${payload.message}`);
  } catch {
    // not JSON: fall through to the text
  }
  const detail = text.trim().slice(0, 300) || response.statusText || `HTTP ${response.status}`;
  const code = response.status === 401 || response.status === 403 ? 'forbidden' : response.status === 507 ? 'disk_full' : 'io';
  return new StudioError(code, `Could not upload ${relativePath}: ${detail}`);
}

function asUploadError(err: unknown, relativePath: string, userSignal?: AbortSignal): unknown {
  if (err instanceof StudioError) return err;
  if (userSignal?.aborted) return new StudioError('cancelled', 'The upload was cancelled.');
  const message = err instanceof Error ? err.message : String(err);
  return new StudioError('io', `Could not upload ${relativePath}: ${message}`);
}
