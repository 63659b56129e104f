import type { Context } from 'hono';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { HTTPException } from 'hono/http-exception';
import { isKinfinderError } from '../src/errors.ts';
import type { Logger } from '../src/log.ts';
import { STATUS_BY_CODE } from './error-status.ts';

export function errorBody(code: string, message: string, extra?: Record<string, unknown>) {
  return { error: { code, message, ...extra } };
}

/**
 * Domain errors keep their code and message; everything else is logged with its stack and
 * answered as a bare 500, so internals (SQL, paths, stack traces) never reach a client.
 */
export function handleError(logger: Logger) {
  return (err: Error, c: Context) => {
    if (isKinfinderError(err)) {
      const status = STATUS_BY_CODE[err.code] as ContentfulStatusCode;
      if (status >= 500) logger.error({ err, code: err.code, path: c.req.path }, 'request failed');
      // choose_face also lists the faces at the top level, where a client picking one looks first.
      const extra = err.code === 'choose_face' ? { faces: err.details?.faces } : {};
      return c.json({ ...errorBody(err.code, err.message, err.details), ...extra }, status);
    }
    if (err instanceof HTTPException && err.status < 500) {
      return c.json(errorBody(err.status === 413 ? 'file_too_large' : 'invalid_input', err.message || 'bad request'), err.status);
    }
    logger.error({ err, path: c.req.path }, 'unhandled error');
    return c.json(errorBody('internal', 'internal error'), 500);
  };
}
