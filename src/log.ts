import { pino, type DestinationStream, type Logger } from 'pino';
import { isKinfinderError } from './errors.ts';

export type { Logger };

type Level = 'debug' | 'info' | 'warn' | 'error' | 'silent';

/**
 * Structured JSON logs on stderr (stdout belongs to CLI output such as `embed --json`), or on
 * `destination` (tests). Nothing personal reaches a log line at any level: callers log ids and
 * counts, never names, file names, metadata, tokens or image content, and two nets catch what
 * slips through: errors are reduced to what is safe (`serializeError`), and fields that carry
 * personal data wherever they appear are censored (`REDACT`).
 */
export function createLogger(level: Level = 'info', destination: DestinationStream = pino.destination(2)): Logger {
  return pino(
    {
      level,
      base: { service: 'kinfinder' },
      serializers: { err: serializeError, error: serializeError },
      redact: { paths: REDACT, censor: '[redacted]' },
    },
    destination,
  );
}

export const silentLogger: Logger = pino({ level: 'silent' });

/** Field names that hold personal data in this service, at the top level and one level down. */
const PERSONAL_FIELDS = [
  'subject',
  'name',
  'originalName',
  'fileName',
  'filename',
  'file',
  'metadata',
  'source',
  'token',
  'accessToken',
  'authorization',
  'note',
  'params',
  'parameters',
  'values',
  'query',
];
const REDACT = [
  ...PERSONAL_FIELDS,
  ...PERSONAL_FIELDS.map((f) => `*.${f}`),
  'req.headers.authorization',
  'req.headers.cookie',
];

/**
 * An error as a log may show it. Database drivers attach the statement's parameters (PGlite:
 * `params`, `query`; pg: `detail` such as "Key (sha256)=(…)", `where`), and their messages can
 * quote the value they choked on (`invalid input syntax for type uuid: "…"`): a family's subject,
 * a file name, a token. So only an allow-list of fields is kept: the type, the code, a message
 * (ours as written, KinfinderError messages never hold personal data; anyone else's with quoted
 * parts masked), the stack frames, and the cause, reduced the same way.
 */
export function serializeError(err: unknown, depth = 0): Record<string, unknown> | undefined {
  if (err === undefined || err === null) return undefined;
  if (typeof err !== 'object') return { message: '[non-error value]' };
  const e = err as {
    name?: unknown;
    code?: unknown;
    message?: unknown;
    stack?: unknown;
    cause?: unknown;
    severity?: unknown;
    routine?: unknown;
  };
  const ours = isKinfinderError(err);
  const message = typeof e.message === 'string' ? (ours ? e.message : maskQuoted(e.message)) : undefined;
  const out: Record<string, unknown> = {
    type: typeof e.name === 'string' ? e.name : (err as object).constructor?.name,
    ...(typeof e.code === 'string' || typeof e.code === 'number' ? { code: e.code } : {}),
    ...(message !== undefined ? { message } : {}),
  };
  // The stack's first line repeats the message: rebuild it from the masked message and the frames.
  if (typeof e.stack === 'string') {
    const frames = e.stack.split('\n').filter((l) => /^\s+at /.test(l));
    out.stack = [`${String(out.type)}: ${message ?? ''}`, ...frames].join('\n');
  }
  if (typeof e.severity === 'string') out.severity = e.severity;
  if (typeof e.routine === 'string') out.routine = e.routine;
  if (e.cause !== undefined && depth < 3) out.cause = serializeError(e.cause, depth + 1);
  return out;
}

/** Quoted parts of a foreign message ("…", '…', «…», (…)=(…) keys) become "…". */
function maskQuoted(message: string): string {
  return message
    .replace(/"[^"]*"/g, '"…"')
    .replace(/'[^']*'/g, "'…'")
    .replace(/\)=\([^)]*\)/g, ')=(…)');
}
