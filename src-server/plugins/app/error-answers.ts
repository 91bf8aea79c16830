import type { FastifyError, FastifyInstance } from 'fastify';
import { hasZodFastifySchemaValidationErrors, isResponseSerializationError } from 'fastify-type-provider-zod';
import { HttpError } from '../../http-error.js';
import { globalPlugin } from '../global-plugin.js';

const CODE_BY_STATUS: Record<number, string> = {
  400: 'invalid_input',
  401: 'unauthorized',
  403: 'forbidden',
  404: 'not_found',
  405: 'method_not_allowed',
  406: 'not_acceptable',
  409: 'conflict',
  411: 'length_required',
  413: 'too_large',
  414: 'uri_too_long',
  415: 'unsupported_media_type',
  429: 'rate_limited',
  431: 'headers_too_large',
};

/** Fastify's own request errors, in words a client can act on. */
function fromFastify(err: FastifyError): HttpError | null {
  switch (err.code) {
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return new HttpError(400, 'bad_json', 'The body is not valid JSON.');
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return new HttpError(413, 'too_large', 'The body is larger than this server accepts.');
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return new HttpError(415, 'unsupported_media_type', `This route does not take ${err.message.replace(/^Unsupported Media Type:?\s*/i, '') || 'that content type'}: send application/json.`);
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return new HttpError(400, 'invalid_input', 'The Content-Length does not match the body.');
  }
  if (err instanceof SyntaxError) return new HttpError(400, 'bad_json', 'The body is not valid JSON.');
  return null;
}

/** Validation issues as one sentence: where, and what was wrong. */
function validationMessage(err: FastifyError): string {
  const context = err.validationContext ?? 'request';
  const issues = (err.validation ?? []).slice(0, 5).map((v) => {
    const where = v.instancePath ? v.instancePath.replace(/^\//, '').replace(/\//g, '.') : '';
    return where ? `${where}: ${v.message}` : String(v.message);
  });
  return `The ${context} is not valid: ${issues.join('; ') || err.message}.`;
}

/**
 * Every error answers `{ error: { code, message } }`: validation and parsing failures as 4xx with
 * a stable code, unknown routes as 404, and anything unexpected as a 500 that says no more than
 * "see the server log" (the log has the details).
 */
export default globalPlugin('error-answers', async (app: FastifyInstance) => {
  app.setErrorHandler((err: FastifyError, request, reply) => {
    let answer: HttpError;
    if (err instanceof HttpError) answer = err;
    else if (hasZodFastifySchemaValidationErrors(err)) answer = new HttpError(400, 'invalid_input', validationMessage(err));
    else if (isResponseSerializationError(err)) {
      request.log.error({ err }, 'an answer did not match its schema');
      answer = new HttpError(500, 'internal', 'The server failed to answer: see its log.');
    } else {
      answer = fromFastify(err) ?? new HttpError(500, 'internal', 'The server failed: see its log.');
      if (answer.statusCode === 500 && typeof err.statusCode === 'number' && err.statusCode >= 400 && err.statusCode < 500) {
        answer = new HttpError(err.statusCode, CODE_BY_STATUS[err.statusCode] ?? 'invalid_input', err.message);
      }
    }
    if (answer.statusCode >= 500) request.log.error({ err }, 'request failed');
    if (answer.statusCode === 413) reply.header('connection', 'close');
    reply.headers(answer.headers).code(answer.statusCode).send({ error: { code: answer.code, message: answer.message } });
  });

  app.setNotFoundHandler((request, reply) => {
    const path = request.url.split('?')[0].slice(0, 200);
    reply.code(404).send({ error: { code: 'not_found', message: `No such route: ${request.method} ${path}.` } });
  });
});
