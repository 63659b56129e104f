import { z, type Hook } from '@hono/zod-openapi';
import { KinfinderError } from '../src/errors.ts';
import { assertValidText } from '../src/text.ts';
import type { Env } from './auth.ts';

/**
 * The one id schema: every id in a path is a UUID, compared in lower case (a client may send
 * upper case; the use cases compare ids as strings).
 */
export const uuid = z.uuid().overwrite((s) => s.toLowerCase());

/** Path parameters of the routes that name one thing. */
export const idParams = z.object({ id: uuid });

function describeIssues(error: z.ZodError, where: string): string {
  return error.issues.map((i) => `${i.path.join('.') || where}: ${i.message}`).join('; ');
}

/**
 * What a request that fails its route's zod schemas answers, through the normal error handler
 * (api/errors.ts): a path id that is not a UUID can name nothing, so 404 without asking the
 * database; anything else is 400 `invalid_input` with what was wrong.
 */
export const validationHook: Hook<unknown, Env, string, void> = (result) => {
  if (result.success) {
    // No route stores text with NUL or lone surrogates (src/text.ts): refused before any handler runs.
    if (result.target === 'json' || result.target === 'form') assertValidText(result.data, 'body');
    return;
  }
  if (result.target === 'param') throw new KinfinderError('not_found', 'no such item');
  throw new KinfinderError(
    'invalid_input',
    describeIssues(result.error, result.target === 'json' ? 'body' : result.target),
  );
};
