import { Readable } from 'node:stream';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { HttpError, tooLarge } from '../http-error.js';
import { acceptsGzip, GZIP_MIN_BYTES, type JsonBody } from '../json-body.js';

const OCTET_STREAM = 'application/octet-stream';

/**
 * Lets the routes of this plugin take `application/octet-stream` bodies as a stream: uploads are
 * hashed on their way to disk, never buffered whole.
 */
export function acceptRawBodies(app: FastifyInstance): void {
  app.addContentTypeParser(OCTET_STREAM, (_request, payload, done) => done(null, payload));
}

/**
 * The request's raw body as a stream, after the checks that need no byte of it: the content type,
 * and a declared length over the limit (413 at once rather than after the upload).
 */
export function rawBodyOf(request: FastifyRequest, limit: number): Readable {
  const type = (request.headers['content-type'] ?? '').split(';')[0].trim().toLowerCase();
  if (type !== OCTET_STREAM) throw new HttpError(415, 'unsupported_media_type', `Send the file's bytes as ${OCTET_STREAM}.`);
  const declared = Number(request.headers['content-length']);
  if (Number.isFinite(declared) && declared > limit) throw tooLarge(limit);
  // No body at all (Content-Length: 0): Fastify skips the parser.
  return request.body instanceof Readable ? request.body : Readable.from([]);
}

/** What a browser should make of a file with this extension. */
export function contentTypeOf(ext: string | null): string {
  switch (ext) {
    case '.jpg':
    case '.jpeg':
      return 'image/jpeg';
    case '.png':
      return 'image/png';
    case '.webp':
      return 'image/webp';
    case '.gif':
      return 'image/gif';
    case '.bmp':
      return 'image/bmp';
    case '.tif':
    case '.tiff':
      return 'image/tiff';
    default:
      return OCTET_STREAM;
  }
}

/**
 * Sends a stored file. The route's typed reply only knows its JSON error shapes; a stream is sent
 * as bytes, never through the JSON serializer.
 */
export function sendFile(reply: FastifyReply, stream: Readable, headers: Record<string, string | number>): FastifyReply {
  return reply.headers(headers).send(stream);
}

/**
 * Sends an answer that is already JSON, past the serializer: gzip-compressed when the client
 * accepts it and the body is big enough to gain (a pull page of 1,000 images shrinks about tenfold).
 */
export async function sendJson(request: FastifyRequest, reply: FastifyReply, body: JsonBody): Promise<FastifyReply> {
  reply.type('application/json; charset=utf-8').header('vary', 'accept-encoding');
  if (body.bytes.length >= GZIP_MIN_BYTES && acceptsGzip(request.headers['accept-encoding'])) {
    const compressed = await body.gzip().catch(() => null);
    if (compressed) return reply.header('content-encoding', 'gzip').send(compressed);
  }
  return reply.send(body.bytes);
}
