import type { Context } from 'hono';
import { z } from 'zod';
import { KinfinderError } from '../src/errors.ts';
import { assertValidText } from '../src/text.ts';

/** The one id schema: every id in a path is a UUID. */
export const uuid = z.uuid();

/** A path id that is not a UUID can name nothing: 404 without asking the database. */
export function uuidParam(c: Context, name: string): string {
  const parsed = uuid.safeParse(c.req.param(name) ?? '');
  if (!parsed.success) throw new KinfinderError('not_found', `no such ${name === 'id' ? 'item' : name}`);
  return parsed.data.toLowerCase();
}

function describeIssues(error: z.ZodError, where: string): string {
  return error.issues.map((i) => `${i.path.join('.') || where}: ${i.message}`).join('; ');
}

export async function jsonBody<T>(c: Context, schema: z.ZodType<T>): Promise<T> {
  let raw: unknown;
  try {
    raw = await c.req.json();
  } catch {
    throw new KinfinderError('invalid_input', 'the body must be JSON');
  }
  // Before the schema: no route stores text with NUL or lone surrogates (src/text.ts).
  assertValidText(raw, 'body');
  const parsed = schema.safeParse(raw);
  if (!parsed.success) throw new KinfinderError('invalid_input', describeIssues(parsed.error, 'body'));
  return parsed.data;
}

/** The query string through its zod schema (numbers coerced, defaults applied). */
export function queryOf<S extends z.ZodType>(c: Context, schema: S): z.infer<S> {
  const parsed = schema.safeParse(c.req.query());
  if (!parsed.success) throw new KinfinderError('invalid_input', describeIssues(parsed.error, 'query'));
  return parsed.data;
}
