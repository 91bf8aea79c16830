/**
 * One HTTP download of a weights file into a partial file, resumable: a fetch cut short keeps
 * what it got, and the next one asks for the rest with a Range request (If-Range on the ETag, so
 * a file that changed on the server starts over). What comes back is checked as it arrives:
 *
 * - an error status (404: the mirror lacks the file), or a web page instead of a file (a captive
 *   portal or a login page answers 200 with HTML): refused at once, nothing kept;
 * - a body that is not a PyTorch file (a zip archive, or a legacy pickle): refused on its first
 *   bytes, nothing kept;
 * - a body shorter than the size the server announced: kept, to resume;
 * - a full disk: `disk_full`, the partial file removed.
 *
 * Whether the whole file is a model is for the runtime to say (weights-inspect.ts).
 */
import fs from 'node:fs';
import { StudioError, isDiskFullError } from '@shared';

export interface DownloadProgress {
  done: number;
  /** Null when the server announced no size. */
  total: number | null;
}

interface PartialMeta {
  url: string;
  etag: string | null;
  total: number | null;
}

export interface DownloadOptions {
  url: string;
  /** The partial file; `${part}.json` beside it says what it is part of. */
  part: string;
  signal: AbortSignal;
  onProgress: (p: DownloadProgress) => void;
  /** No byte for this long is a dead connection (default 60 s). */
  stallMs?: number;
  /** For messages: "yolo11n.pt". */
  label: string;
}

export interface DownloadResult {
  bytes: number;
  /** Whether this fetch continued an earlier one. */
  resumed: boolean;
}

const PYTORCH_MAGIC = [Buffer.from('PK\x03\x04', 'latin1'), Buffer.from([0x80])];

function readMeta(part: string): PartialMeta | null {
  try {
    const meta = JSON.parse(fs.readFileSync(`${part}.json`, 'utf8')) as PartialMeta;
    return typeof meta.url === 'string' ? meta : null;
  } catch {
    return null;
  }
}

export function removePartial(part: string): void {
  fs.rmSync(part, { force: true });
  fs.rmSync(`${part}.json`, { force: true });
}

function host(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return url;
  }
}

/** What to tell a user whose network failed, by the error Node gave. */
function networkFailure(options: DownloadOptions, err: unknown, done: number): StudioError {
  const cause = (err as { cause?: { code?: string; message?: string } }).cause;
  const detail = cause?.code ?? cause?.message ?? (err as Error).message;
  const kept = done > 0 ? ` It stopped after ${(done / 1e6).toFixed(1)} MB, which are kept: fetch it again to resume.` : '';
  return new StudioError(
    'offline',
    `Could not fetch ${options.label} from ${host(options.url)} (${detail}).${kept} Without a network, copy the file onto this machine and add it ` +
      `(reticle weights add PATH, or "Add weights I have"), or set a mirror your network reaches (RETICLE_WEIGHTS_MIRROR or the Weights panel).`,
  );
}

function refuse(options: DownloadOptions, why: string): StudioError {
  removePartial(options.part);
  return new StudioError('invalid_input', `${options.label} from ${options.url} was refused: ${why}. Nothing was kept.`);
}

function startsLikePyTorch(head: Buffer): boolean {
  return PYTORCH_MAGIC.some((magic) => head.subarray(0, magic.length).equals(magic.subarray(0, Math.min(magic.length, head.length))));
}

/**
 * Downloads `url` into `part`, resuming a partial file of the same URL.
 *
 * @throws StudioError `offline` (network; the partial file is kept), `not_found` (HTTP 404),
 *   `invalid_input` (HTML, an error status, not a PyTorch file), `disk_full`, `cancelled`
 */
export async function downloadToPartial(options: DownloadOptions): Promise<DownloadResult> {
  const meta = readMeta(options.part);
  let have = meta && meta.url === options.url && fs.existsSync(options.part) ? fs.statSync(options.part).size : 0;
  if (have === 0) removePartial(options.part);
  const headers: Record<string, string> = { 'user-agent': 'reticle-studio' };
  if (have > 0) {
    headers.range = `bytes=${have}-`;
    if (meta?.etag) headers['if-range'] = meta.etag;
  }
  const stall = new AbortController();
  const signal = AbortSignal.any([options.signal, stall.signal]);
  let stallTimer = setTimeout(() => stall.abort(), options.stallMs ?? 60_000);
  const alive = () => {
    clearTimeout(stallTimer);
    stallTimer = setTimeout(() => stall.abort(), options.stallMs ?? 60_000);
  };
  let response: Response;
  try {
    response = await fetch(options.url, { headers, signal, redirect: 'follow' });
  } catch (err) {
    clearTimeout(stallTimer);
    if (options.signal.aborted) throw new StudioError('cancelled', `The download of ${options.label} was cancelled.`);
    throw networkFailure(options, stall.signal.aborted ? new Error('no answer') : err, have);
  }
  let fd: number | null = null;
  let done = have;
  try {
    if (response.status === 404) {
      removePartial(options.part);
      throw new StudioError('not_found', `${host(options.url)} has no ${options.label} (HTTP 404 for ${options.url}). Check the mirror's address, or add the file from a copy you have.`);
    }
    if (response.status === 416) {
      // The server cannot continue from there (the file changed or the part is odd): start over.
      await response.body?.cancel();
      removePartial(options.part);
      return await downloadToPartial(options);
    }
    if (response.status === 200 && have > 0) {
      // The server sent the whole file again (no Range support, or If-Range failed): start over.
      have = 0;
      done = 0;
    } else if (response.status !== 206 && response.status !== 200) {
      throw refuse(options, `the server answered HTTP ${response.status} ${response.statusText}`.trim());
    }
    const type = response.headers.get('content-type') ?? '';
    if (/text\/html|application\/xhtml/i.test(type)) throw refuse(options, `the server sent a web page (${type.split(';')[0]}) instead of the file, as a captive portal or a login page does`);
    const length = Number(response.headers.get('content-length') ?? NaN);
    const range = /\/(\d+)\s*$/.exec(response.headers.get('content-range') ?? '');
    const total = range ? Number(range[1]) : Number.isFinite(length) ? have + length : null;
    fs.writeFileSync(`${options.part}.json`, JSON.stringify({ url: options.url, etag: response.headers.get('etag'), total } satisfies PartialMeta));
    fd = fs.openSync(options.part, have > 0 ? 'a' : 'w');
    options.onProgress({ done, total });
    let head = have > 0 ? null : Buffer.alloc(0);
    if (!response.body) throw refuse(options, 'the server sent no body');
    for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
      alive();
      const bytes = Buffer.from(chunk);
      if (head !== null) {
        head = Buffer.concat([head, bytes]);
        if (head.length >= 4 || !startsLikePyTorch(head)) {
          if (!startsLikePyTorch(head)) throw refuse(options, 'it is not a PyTorch weights file (a .pt file is a zip archive)');
          head = null;
        }
      }
      fs.writeSync(fd, bytes);
      done += bytes.length;
      if (total !== null && done > total) throw refuse(options, `the server sent more than the ${total} bytes it announced`);
      options.onProgress({ done, total });
    }
    fs.fsyncSync(fd);
    if (total !== null && done < total) {
      throw new StudioError('offline', `The download of ${options.label} ended at ${done} of ${total} bytes; the part is kept: fetch it again to resume.`);
    }
    return { bytes: done, resumed: have > 0 };
  } catch (err) {
    if (err instanceof StudioError) throw err;
    if (isDiskFullError(err)) {
      if (fd !== null) fs.closeSync(fd);
      fd = null;
      removePartial(options.part);
      throw new StudioError('disk_full', `The disk is full: ${options.label} could not be saved, and its partial file was removed. Free some space and try again.`);
    }
    if (options.signal.aborted) throw new StudioError('cancelled', `The download of ${options.label} was cancelled; what arrived is kept, and the next fetch resumes there.`);
    throw networkFailure(options, stall.signal.aborted ? new Error('the connection stalled') : err, done);
  } finally {
    clearTimeout(stallTimer);
    if (fd !== null) fs.closeSync(fd);
  }
}
