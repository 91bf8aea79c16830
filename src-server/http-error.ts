/**
 * A failure the server answers as `{ error: { code, message } }` with an HTTP status. Codes are
 * stable and machine-readable; messages say what to do about it.
 */
export class HttpError extends Error {
  readonly statusCode: number;
  readonly code: string;
  /** Extra response headers (Retry-After). */
  readonly headers: Record<string, string>;

  constructor(statusCode: number, code: string, message: string, headers: Record<string, string> = {}) {
    super(message);
    this.name = 'HttpError';
    this.statusCode = statusCode;
    this.code = code;
    this.headers = headers;
  }
}

export const badRequest = (message: string, code = 'invalid_input') => new HttpError(400, code, message);
export const unauthorized = (message = 'Sign in first: the access token is missing, expired or not valid.') => new HttpError(401, 'unauthorized', message);
export const forbidden = (message: string) => new HttpError(403, 'forbidden', message);
export const notFound = (message: string) => new HttpError(404, 'not_found', message);
export const conflict = (message: string, code = 'conflict') => new HttpError(409, code, message);
export const tooLarge = (limit: number) => new HttpError(413, 'too_large', `The body is larger than this server accepts (${limit} bytes).`);
export const tooManyRequests = (retryAfterSeconds: number, message: string) =>
  new HttpError(429, 'rate_limited', message, { 'retry-after': String(Math.max(1, Math.ceil(retryAfterSeconds))) });
