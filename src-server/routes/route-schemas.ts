import { z } from 'zod';
import { ContentHash, ServerError } from '@shared';

/** `:id` of a project. */
export const ProjectParams = z.object({ id: z.string().uuid() });
/** `:id` and `:hash` of a project's media. Hashes are lowercase hex, so never a path. */
export const MediaParams = z.object({ id: z.string().uuid(), hash: ContentHash });

/** The error answers a route documents, all `{ error: { code, message } }`. */
export function errorAnswers(...statuses: number[]): Record<number, typeof ServerError> {
  return Object.fromEntries(statuses.map((s) => [s, ServerError]));
}

/** Routes anyone may call carry no security requirement in the OpenAPI document. */
export const PUBLIC = { security: [] as Array<Record<string, string[]>> };

/** 204: no body. */
export const NoContent = z.null().describe('No content');
