/**
 * Turns what the AWS SDK throws into a StudioError that says what to do: offline, wrong keys,
 * no such bucket, wrong region. The SDK's own messages ("UnknownError", "socket hang up") tell a
 * user nothing.
 */
import { StudioError } from '@shared';

/** Error codes (Node's and the SDK's) that mean the endpoint could not be reached at all. */
const UNREACHABLE = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENETDOWN',
  'EPIPE',
  'TimeoutError',
  'RequestTimeout',
  'RequestTimeoutException',
  'NetworkingError',
]);

const REFUSED_CREDENTIALS = new Set(['InvalidAccessKeyId', 'SignatureDoesNotMatch', 'AccessDenied', 'InvalidToken', 'ExpiredToken', 'TokenRefreshRequired', 'Forbidden', 'InvalidSecurity', 'AllAccessDisabled']);

const WRONG_REGION = new Set(['PermanentRedirect', 'AuthorizationHeaderMalformed', 'IllegalLocationConstraintException', 'Redirect', 'TemporaryRedirect']);

interface SdkErrorShape {
  name?: string;
  code?: string;
  Code?: string;
  message?: string;
  Region?: string;
  $metadata?: { httpStatusCode?: number };
  $response?: { headers?: Record<string, string> };
  cause?: unknown;
}

/** Where a request went, for messages: `s3://bucket/prefix at https://endpoint`. */
export interface S3Place {
  bucket: string;
  location: string;
  endpoint?: string;
  region: string;
}

/** The SDK error's name or code: `NoSuchKey`, `ECONNREFUSED`. */
export function s3ErrorName(err: unknown): string {
  const e = (err ?? {}) as SdkErrorShape;
  const inner = (e.cause ?? {}) as SdkErrorShape;
  return e.Code ?? (e.name && e.name !== 'Error' ? e.name : undefined) ?? e.code ?? inner.code ?? 'UnknownError';
}

export function s3Status(err: unknown): number | undefined {
  return (err as SdkErrorShape | null)?.$metadata?.httpStatusCode;
}

/** The object or upload is not there (as opposed to the bucket). */
export function isMissing(err: unknown, ...names: string[]): boolean {
  const name = s3ErrorName(err);
  return names.includes(name) || (s3Status(err) === 404 && name !== 'NoSuchBucket');
}

export function isAbort(err: unknown): boolean {
  const name = (err as { name?: string } | null)?.name;
  return name === 'AbortError' || (err instanceof StudioError && err.code === 'cancelled');
}

/**
 * A StudioError for a failed S3 request. `doing` says what the studio was doing, in a few
 * words ("listing the backups", "sending media/ab….jpg").
 */
export function s3Failure(err: unknown, place: S3Place, doing: string): StudioError {
  if (err instanceof StudioError) return err;
  const e = (err ?? {}) as SdkErrorShape;
  const name = s3ErrorName(err);
  const status = s3Status(err);
  const where = `${place.location}${place.endpoint ? ` at ${place.endpoint}` : ''}`;
  const options = { cause: err };

  if (name === 'CredentialsProviderError' || /Could not load credentials/i.test(e.message ?? '')) {
    return new StudioError(
      'invalid_input',
      'No S3 credentials were found. Enter the access key id and secret access key, or set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY where the studio runs.',
      options,
    );
  }
  if (UNREACHABLE.has(name) || (status === undefined && UNREACHABLE.has(e.code ?? ''))) {
    return new StudioError(
      'offline',
      `Cannot reach ${place.endpoint ?? 'S3'} (${name}) while ${doing}: you may be offline, or the endpoint is wrong. Check the connection and the endpoint, then try again; a backup carries on where it stopped.`,
      options,
    );
  }
  if (REFUSED_CREDENTIALS.has(name) || status === 403) {
    return new StudioError(
      'forbidden',
      `${where} refused the credentials (${name}) while ${doing}. Check the access key id and the secret access key, and that they may read and write the bucket "${place.bucket}".`,
      options,
    );
  }
  if (name === 'NoSuchBucket') {
    return new StudioError(
      'not_found',
      `The bucket "${place.bucket}" does not exist${place.endpoint ? ` at ${place.endpoint}` : ` in ${place.region}`}. Create it first, or check its name, region and endpoint.`,
      options,
    );
  }
  if (WRONG_REGION.has(name) || status === 301) {
    const region = e.Region ?? e.$response?.headers?.['x-amz-bucket-region'];
    return new StudioError(
      'invalid_input',
      `The bucket "${place.bucket}" is not in ${place.region}${region ? `: it is in ${region}` : ''}. Set the target's region${region ? ` to ${region}` : ''} and try again.`,
      options,
    );
  }
  if (status !== undefined && status >= 500) {
    return new StudioError('io', `${where} failed (${name}, HTTP ${status}) while ${doing}. The service may be busy: try again in a while.`, options);
  }
  return new StudioError('io', `S3 failed while ${doing} (${name}${status ? `, HTTP ${status}` : ''}): ${e.message ?? 'no details'}`, options);
}
