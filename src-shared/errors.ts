/**
 * Errors that cross the contract. Every failure a user can see is a `{ code, message }` pair:
 * the code lets the UI decide what to offer (retry, pick another folder), the message says
 * what happened in words a user can act on.
 */
export const ERROR_CODES = [
  'invalid_input',
  'not_found',
  'no_project',
  'already_exists',
  'conflict',
  'unsupported',
  'io',
  'disk_full',
  'cancelled',
  'forbidden',
  /** A server the studio talks to (the team server) cannot be reached; nothing was lost. */
  'offline',
  /** Another process holds the project's write lock past the busy timeout; nothing was changed. */
  'project_busy',
  'internal',
] as const;

export type ErrorCode = (typeof ERROR_CODES)[number];

export interface ErrorPayload {
  code: ErrorCode;
  message: string;
}

export class StudioError extends Error {
  readonly code: ErrorCode;
  constructor(code: ErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'StudioError';
    this.code = code;
  }

  toPayload(): ErrorPayload {
    return { code: this.code, message: this.message };
  }
}

/** The result of one contract call as it travels over any transport. */
export type Envelope<T = unknown> = { ok: true; value: T } | { ok: false; error: ErrorPayload };

export function isErrorPayload(value: unknown): value is ErrorPayload {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Record<string, unknown>;
  return typeof v.message === 'string' && typeof v.code === 'string' && (ERROR_CODES as readonly string[]).includes(v.code);
}

/**
 * Whether an error says the disk is full: Node's ENOSPC, or SQLITE_FULL, which SQLite answers
 * when it cannot grow the database or its journal (a full disk, or `max_page_count` reached).
 */
export function isDiskFullError(err: unknown): boolean {
  const errno = (err as { code?: unknown } | null)?.code;
  return errno === 'ENOSPC' || errno === 'SQLITE_FULL';
}

/** Turns anything thrown into a payload, keeping Node's errno codes meaningful (ENOSPC → disk_full). */
export function toErrorPayload(err: unknown): ErrorPayload {
  if (err instanceof StudioError) return err.toPayload();
  const errno = (err as { code?: unknown } | null)?.code;
  const message = err instanceof Error ? err.message : String(err);
  if (isDiskFullError(err)) return { code: 'disk_full', message: `The disk is full: ${message}. Free some space and try again.` };
  if (typeof errno === 'string' && (errno.startsWith('SQLITE_BUSY') || errno.startsWith('SQLITE_LOCKED'))) {
    return { code: 'project_busy', message: `The project is busy: another process is writing to it (${message}). Nothing was changed; try again when it is done.` };
  }
  if (errno === 'ENOENT') return { code: 'not_found', message };
  if (errno === 'ENAMETOOLONG') return { code: 'invalid_input', message: `A file name is too long: ${message}` };
  if (errno === 'EACCES' || errno === 'EPERM') return { code: 'io', message: `Permission denied: ${message}` };
  if (typeof errno === 'string' && errno.startsWith('E')) return { code: 'io', message };
  return { code: 'internal', message };
}
