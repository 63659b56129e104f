import type { Context } from 'hono';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { HTTPException } from 'hono/http-exception';
import { isKinfinderError, KinfinderError } from '../src/errors.ts';
import type { Logger } from '../src/log.ts';
import { isDatabaseUnavailable } from '../src/store/unavailable.ts';
import { statusOf } from './error-status.ts';
import { explainedMessage, familyMessage } from './family-errors.ts';

export function errorBody(code: string, message: string, extra?: Record<string, unknown>) {
  return { error: { code, message, ...extra } };
}

/**
 * Domain errors keep their code and message; everything else is logged with its stack and
 * answered as a bare 500, so internals (SQL, paths, stack traces) never reach a client.
 */
export function handleError(logger: Logger) {
  return (thrown: Error, c: Context) => {
    // Hono's own refusals (a malformed body, a body over its limit) become domain errors first.
    const err =
      thrown instanceof HTTPException && thrown.status < 500
        ? new KinfinderError(
            thrown.status === 413 ? 'file_too_large' : 'invalid_input',
            thrown.message || 'bad request',
          )
        : thrown;
    if (isKinfinderError(err)) {
      const status = statusOf(err.code) as ContentfulStatusCode;
      if (status >= 500) logger.error({ err, code: err.code, path: c.req.path }, 'request failed');
      // `body`: data for the client beside the error (the faces to choose from, per-file results).
      return c.json(
        {
          ...errorBody(
            err.code,
            familyMessage(c, err.code, err.details) ?? explainedMessage(c, err.code, err.details) ?? err.message,
            err.details,
          ),
          ...err.body,
        },
        status,
      );
    }
    if (isDatabaseUnavailable(err)) {
      // An outage, not a bug: the client may retry, and the log needs no stack per request.
      logger.warn({ path: c.req.path }, 'request failed: database unreachable');
      return c.json(
        errorBody(
          'database_unavailable',
          familyMessage(c, 'database_unavailable') ?? 'the service cannot reach its database; try again shortly',
        ),
        503,
      );
    }
    logger.error({ err, path: c.req.path }, 'unhandled error');
    return c.json(errorBody('internal', familyMessage(c, 'internal') ?? 'internal error'), 500);
  };
}
