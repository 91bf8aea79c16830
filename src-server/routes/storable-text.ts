/**
 * Text PostgreSQL cannot store: a NUL character (refused by `text` and by `jsonb`) and a lone
 * UTF-16 surrogate (refused by `jsonb`, and turned into U+FFFD in `text`: the value would come
 * back changed). Every request's body, query and parameters are checked for them at the schema,
 * by one refinement the validator compiler adds to each route's zod schema, so a new route is
 * covered without a word: such a request answers 400 saying where, never a 500.
 */
import type { FastifySchemaCompiler } from 'fastify';
import { validatorCompiler } from 'fastify-type-provider-zod';
import { z } from 'zod';

/** A high surrogate not followed by a low one, or a low one not after a high one. */
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** Why this text cannot be stored; null when it can. */
export function unstorableText(text: string): string | null {
  if (text.includes('\u0000')) return 'contains a NUL character (U+0000), which the server cannot store';
  if (LONE_SURROGATE.test(text)) return 'contains a lone UTF-16 surrogate, which is not valid Unicode: the server cannot store it';
  return null;
}

type Report = (path: PropertyKey[], message: string) => void;

/** Every string in a parsed value, and every object key. */
function walk(value: unknown, path: PropertyKey[], report: Report): void {
  if (typeof value === 'string') {
    const problem = unstorableText(value);
    if (problem) report(path, problem);
  } else if (Array.isArray(value)) {
    value.forEach((item, i) => walk(item, [...path, i], report));
  } else if (value !== null && typeof value === 'object') {
    for (const [key, item] of Object.entries(value)) {
      const problem = unstorableText(key);
      // The key itself is not repeated in the message: it is what cannot be shown.
      if (problem) report(path, `a key ${problem}`);
      else walk(item, [...path, key], report);
    }
  }
}

/** `schema`, refusing text PostgreSQL cannot store anywhere in the value. */
export function storable<T extends z.ZodType>(schema: T): T {
  return schema.superRefine((value, ctx) => walk(value, [], (path, message) => ctx.addIssue({ code: 'custom', path, message }))) as T;
}

/** The zod validator compiler, with `storable` added to every schema it compiles. */
export const storableValidatorCompiler: FastifySchemaCompiler<z.ZodType> = (route) =>
  validatorCompiler({ ...route, schema: route.schema instanceof z.ZodType ? storable(route.schema) : route.schema });
