/**
 * A typed HTTP client of one team server (`reticle-server`), over Node's fetch. Every answer is
 * checked against the wire schemas in src-shared/server-api.ts; a server that cannot be reached
 * is a `StudioError('offline')`, a server's refusal a StudioError with the server's own message.
 * An expired access token is refreshed once and the request sent again. Media and model files
 * stream up and down: no file is ever held in memory whole.
 */
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';
import { createHash, randomBytes } from 'node:crypto';
import type { z } from 'zod';
import {
  MissingMediaAnswer,
  ModelPublic,
  ProjectPublic,
  PullLabelsAnswer,
  PushLabelsAnswer,
  ServerError,
  StudioError,
  TokenPair,
  type ContentHash,
  type ErrorCode,
  type LoginBody,
  type ModelCreateBody,
  type ProjectCreateBody,
  type PushLabelsBody,
  type RegisterBody,
} from '@shared';

/** Supplies the access token, and a new one after the server refused it. */
export interface TokenSource {
  /** The token to send (refreshed first when it is about to expire). */
  accessToken(): Promise<string>;
  /** The server answered 401 to `rejected`: a fresh token, or a StudioError saying to log in again. */
  refresh(rejected: string): Promise<string>;
}

export interface TeamClientOptions {
  /** Omitted for the calls that need no account (login, register, refresh). */
  tokens?: TokenSource;
  fetch?: typeof fetch;
  /** How long a JSON call may take before the server counts as unreachable. */
  timeoutMs?: number;
}

/** Bytes moved so far by one streaming call. */
export type OnBytes = (bytes: number) => void;

type Body = { kind: 'json'; value: unknown } | { kind: 'file'; file: string; bytes: number; onBytes?: OnBytes } | { kind: 'none' };

interface Call {
  method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  path: string;
  body?: Body;
  auth?: boolean;
  signal?: AbortSignal;
  /** No time limit (file transfers); the signal still stops it. */
  untimed?: boolean;
}

const DEFAULT_TIMEOUT_MS = 60_000;
const CHUNK_BYTES = 256 * 1024;
/** Rate-limited calls wait as the server asks, this many times, at most this long each. */
const RATE_LIMIT_RETRIES = 3;
const RATE_LIMIT_MAX_WAIT_MS = 30_000;

export class TeamClient {
  private readonly fetchImpl: typeof fetch;
  private readonly timeoutMs: number;

  constructor(
    /** Normalized: `https://host[/prefix]`, no trailing slash. */
    readonly serverUrl: string,
    private readonly options: TeamClientOptions = {},
  ) {
    this.fetchImpl = options.fetch ?? fetch;
    this.timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  }

  // ------------------------------------------------------------------ accounts

  /** Makes an account. Some servers log the new account in at once; then its tokens come back. */
  async register(body: RegisterBody): Promise<TokenPair | null> {
    const answer = await this.json({ method: 'POST', path: '/api/auth/register', body: { kind: 'json', value: body } });
    const tokens = TokenPair.safeParse(answer);
    return tokens.success ? tokens.data : null;
  }

  login(body: LoginBody): Promise<TokenPair> {
    return this.parsed(TokenPair, { method: 'POST', path: '/api/auth/login', body: { kind: 'json', value: body } });
  }

  refresh(refreshToken: string): Promise<TokenPair> {
    return this.parsed(TokenPair, { method: 'POST', path: '/api/auth/refresh', body: { kind: 'json', value: { refreshToken } } });
  }

  async logout(refreshToken: string): Promise<void> {
    await this.json({ method: 'POST', path: '/api/auth/logout', body: { kind: 'json', value: { refreshToken } } });
  }

  // ------------------------------------------------------------------ projects

  async listProjects(): Promise<ProjectPublic[]> {
    const answer = unwrapField(await this.json({ method: 'GET', path: '/api/projects', auth: true }), 'projects');
    return parseAnswer(ProjectPublic.array(), answer, this.serverUrl);
  }

  async createProject(body: ProjectCreateBody): Promise<ProjectPublic> {
    const answer = await this.json({ method: 'POST', path: '/api/projects', auth: true, body: { kind: 'json', value: body } });
    return parseAnswer(ProjectPublic, unwrapField(answer, 'project'), this.serverUrl);
  }

  async getProject(projectId: string, signal?: AbortSignal): Promise<ProjectPublic> {
    const answer = await this.json({ method: 'GET', path: `/api/projects/${enc(projectId)}`, auth: true, signal });
    return parseAnswer(ProjectPublic, unwrapField(answer, 'project'), this.serverUrl);
  }

  // ------------------------------------------------------------------ media and labels

  async missingMedia(projectId: string, hashes: ContentHash[], signal?: AbortSignal): Promise<ContentHash[]> {
    const answer = await this.parsed(MissingMediaAnswer, { method: 'POST', path: `/api/projects/${enc(projectId)}/images/missing`, auth: true, signal, body: { kind: 'json', value: { hashes } } });
    return answer.missing;
  }

  /** Streams one media file up; the server checks its bytes against the hash. */
  async uploadMedia(projectId: string, hash: ContentHash, file: string, bytes: number, options: { signal?: AbortSignal; onBytes?: OnBytes } = {}): Promise<void> {
    await this.json({
      method: 'PUT',
      path: `/api/projects/${enc(projectId)}/media/${hash}`,
      auth: true,
      untimed: true,
      signal: options.signal,
      body: { kind: 'file', file, bytes, onBytes: options.onBytes },
    });
  }

  /**
   * Streams one media file down into `target` (written beside it first, renamed once whole),
   * hashing as it goes.
   *
   * @throws StudioError `io` when the bytes do not hash to `hash`: nothing is left at `target`
   */
  async downloadMedia(projectId: string, hash: ContentHash, target: string, options: { signal?: AbortSignal; onBytes?: OnBytes } = {}): Promise<number> {
    const res = await this.send({ method: 'GET', path: `/api/projects/${enc(projectId)}/media/${hash}`, auth: true, untimed: true, signal: options.signal });
    const { bytes, sha256 } = await this.saveBody(res, target, options);
    if (sha256 !== hash) {
      await fsp.rm(target, { force: true });
      throw new StudioError('io', `The team server sent media that does not match its hash (${hash.slice(0, 12)}…); it was not stored.`);
    }
    return bytes;
  }

  pushLabels(projectId: string, body: PushLabelsBody, signal?: AbortSignal): Promise<PushLabelsAnswer> {
    return this.parsed(PushLabelsAnswer, { method: 'POST', path: `/api/projects/${enc(projectId)}/labels/push`, auth: true, signal, body: { kind: 'json', value: body } });
  }

  pullLabels(projectId: string, since: number, limit: number, signal?: AbortSignal): Promise<PullLabelsAnswer> {
    return this.parsed(PullLabelsAnswer, { method: 'GET', path: `/api/projects/${enc(projectId)}/labels?since=${since}&limit=${limit}`, auth: true, signal });
  }

  // ------------------------------------------------------------------ model registry

  async createModel(projectId: string, body: ModelCreateBody): Promise<ModelPublic> {
    const answer = await this.json({ method: 'POST', path: `/api/projects/${enc(projectId)}/models`, auth: true, body: { kind: 'json', value: body } });
    return parseAnswer(ModelPublic, unwrapField(answer, 'model'), this.serverUrl);
  }

  async uploadModelFile(modelId: string, file: string, bytes: number, options: { signal?: AbortSignal; onBytes?: OnBytes } = {}): Promise<ModelPublic> {
    const answer = await this.json({ method: 'PUT', path: `/api/models/${enc(modelId)}/file`, auth: true, untimed: true, signal: options.signal, body: { kind: 'file', file, bytes, onBytes: options.onBytes } });
    return parseAnswer(ModelPublic, unwrapField(answer, 'model'), this.serverUrl);
  }

  async listModels(projectId: string): Promise<ModelPublic[]> {
    const answer = await this.json({ method: 'GET', path: `/api/models?projectId=${enc(projectId)}`, auth: true });
    return parseAnswer(ModelPublic.array(), unwrapField(answer, 'models'), this.serverUrl);
  }

  // ------------------------------------------------------------------ transport

  private async parsed<S extends z.ZodType>(schema: S, call: Call): Promise<z.output<S>> {
    return parseAnswer(schema, await this.json(call), this.serverUrl);
  }

  /** Sends a call and reads its JSON answer (null for an empty one). */
  private async json(call: Call): Promise<unknown> {
    const res = await this.send(call);
    const text = await res.text().catch((err: unknown) => {
      throw this.unreachable(err, call.signal);
    });
    if (!text) return null;
    try {
      return JSON.parse(text) as unknown;
    } catch {
      throw notTeamServer(this.serverUrl);
    }
  }

  /** Sends a call and returns a successful response; refreshes the token once on 401. */
  private async send(call: Call): Promise<Response> {
    let token = call.auth ? await this.requireTokens().accessToken() : null;
    let refreshed = false;
    for (let attempt = 0; ; attempt++) {
      const res = await this.fetchOnce(call, token);
      if (res.status === 401 && token && !refreshed) {
        await res.body?.cancel().catch(() => undefined);
        token = await this.requireTokens().refresh(token);
        refreshed = true;
        continue;
      }
      if (res.status === 429 && attempt < RATE_LIMIT_RETRIES) {
        await res.body?.cancel().catch(() => undefined);
        await sleep(retryAfterMs(res.headers.get('retry-after')), call.signal);
        continue;
      }
      if (res.ok) return res;
      throw await this.refusal(res);
    }
  }

  private async fetchOnce(call: Call, token: string | null): Promise<Response> {
    const headers: Record<string, string> = { accept: 'application/json' };
    if (token) headers.authorization = `Bearer ${token}`;
    let body: BodyInit | AsyncIterable<Uint8Array> | undefined;
    const kind = call.body?.kind ?? 'none';
    if (call.body?.kind === 'json') {
      headers['content-type'] = 'application/json';
      body = JSON.stringify(call.body.value);
    } else if (call.body?.kind === 'file') {
      headers['content-type'] = 'application/octet-stream';
      headers['content-length'] = String(call.body.bytes);
      body = readChunks(call.body.file, call.body.onBytes);
    }
    const signals = [call.signal, call.untimed ? undefined : AbortSignal.timeout(this.timeoutMs)].filter((s): s is AbortSignal => Boolean(s));
    try {
      return await this.fetchImpl(`${this.serverUrl}${call.path}`, {
        method: call.method,
        headers,
        body: body as BodyInit | undefined,
        signal: signals.length ? AbortSignal.any(signals) : undefined,
        redirect: 'error',
        ...(kind === 'file' ? { duplex: 'half' } : {}),
      } as RequestInit);
    } catch (err) {
      throw this.unreachable(err, call.signal);
    }
  }

  /** The server's own words for a refusal, with a studio error code that says what to offer. */
  private async refusal(res: Response): Promise<StudioError> {
    const text = await res.text().catch(() => '');
    let parsed: ServerError | null = null;
    try {
      const result = ServerError.safeParse(JSON.parse(text));
      parsed = result.success ? result.data : null;
    } catch {
      parsed = null;
    }
    // A proxy in front of a server that is down answers for it.
    if (!parsed && (res.status === 502 || res.status === 503 || res.status === 504)) {
      return new StudioError('offline', `The team server at ${this.serverUrl} is not answering (HTTP ${res.status}). Nothing was lost; try again when it is back.`);
    }
    if (!parsed) return new StudioError(res.status >= 500 ? 'io' : 'unsupported', `The team server at ${this.serverUrl} answered HTTP ${res.status}${text ? `: ${text.slice(0, 200)}` : ''}.`);
    return new StudioError(codeFor(res.status, parsed.error.code), parsed.error.message);
  }

  private unreachable(err: unknown, signal?: AbortSignal): StudioError {
    if (err instanceof StudioError) return err;
    if (signal?.aborted) return new StudioError('cancelled', 'Cancelled by the user.');
    const cause = (err as { cause?: { code?: string; message?: string } } | null)?.cause;
    const timedOut = (err as { name?: string } | null)?.name === 'TimeoutError';
    const why = timedOut ? `it did not answer within ${Math.round(this.timeoutMs / 1000)} s` : cause?.code === 'ENOTFOUND' ? 'no such host' : cause?.code === 'ECONNREFUSED' ? 'connection refused' : (cause?.message ?? (err as Error)?.message ?? 'no answer');
    return new StudioError('offline', `Cannot reach the team server at ${this.serverUrl} (${why}). Nothing was lost; sync again when it is back.`, { cause: err });
  }

  private requireTokens(): TokenSource {
    if (!this.options.tokens) throw new StudioError('forbidden', `Log in to ${this.serverUrl} first.`);
    return this.options.tokens;
  }

  private async saveBody(res: Response, target: string, options: { signal?: AbortSignal; onBytes?: OnBytes }): Promise<{ bytes: number; sha256: string }> {
    if (!res.body) throw notTeamServer(this.serverUrl);
    await fsp.mkdir(path.dirname(target), { recursive: true });
    const tmp = `${target}.${randomBytes(6).toString('hex')}.part`;
    const hash = createHash('sha256');
    const out = fs.createWriteStream(tmp);
    let bytes = 0;
    try {
      for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
        hash.update(chunk);
        bytes += chunk.length;
        options.onBytes?.(chunk.length);
        if (!out.write(chunk)) await new Promise<void>((resolve) => out.once('drain', resolve));
      }
      await new Promise<void>((resolve, reject) => out.end((err?: Error | null) => (err ? reject(err) : resolve())));
      await fsp.rename(tmp, target);
    } catch (err) {
      out.destroy();
      await fsp.rm(tmp, { force: true });
      if (err instanceof StudioError || /^E[A-Z]+$/.test(String((err as NodeJS.ErrnoException).code))) throw err;
      throw this.unreachable(err, options.signal);
    }
    return { bytes, sha256: hash.digest('hex') };
  }
}

/** Reads a file in chunks for an upload body, counting the bytes as they go out. */
async function* readChunks(file: string, onBytes?: OnBytes): AsyncGenerator<Uint8Array> {
  for await (const chunk of fs.createReadStream(file, { highWaterMark: CHUNK_BYTES })) {
    onBytes?.((chunk as Buffer).length);
    yield chunk as Buffer;
  }
}

function codeFor(status: number, serverCode: string): ErrorCode {
  if (status === 401 || status === 403) return 'forbidden';
  if (status === 404) return 'not_found';
  if (status === 409) return 'conflict';
  if (status === 413 || status === 400 || status === 422) return 'invalid_input';
  if (serverCode === 'unavailable' || status === 503) return 'offline';
  if (status >= 500) return 'io';
  return 'invalid_input';
}

function parseAnswer<S extends z.ZodType>(schema: S, value: unknown, serverUrl: string): z.output<S> {
  const result = schema.safeParse(value);
  if (!result.success) throw notTeamServer(serverUrl, result.error.issues[0]?.path.join('.'));
  return result.data;
}

/** Some answers wrap their value (`{ projects: [...] }`); others are the value itself. */
function unwrapField(value: unknown, field: string): unknown {
  if (value && typeof value === 'object' && !Array.isArray(value) && field in value) return (value as Record<string, unknown>)[field];
  return value;
}

function notTeamServer(serverUrl: string, where?: string): StudioError {
  return new StudioError(
    'unsupported',
    `${serverUrl} answered in a way this studio does not understand${where ? ` (at ${where})` : ''}. Is it a Reticle team server of a matching version?`,
  );
}

function enc(segment: string): string {
  return encodeURIComponent(segment);
}

function retryAfterMs(header: string | null): number {
  const seconds = Number(header);
  return Math.min(RATE_LIMIT_MAX_WAIT_MS, Number.isFinite(seconds) && seconds > 0 ? seconds * 1000 : 1000);
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(new StudioError('cancelled', 'Cancelled by the user.'));
    const timer = setTimeout(done, ms);
    function done() {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }
    function onAbort() {
      clearTimeout(timer);
      reject(new StudioError('cancelled', 'Cancelled by the user.'));
    }
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
