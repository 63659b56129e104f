import { pino, type Logger } from 'pino';

export type { Logger };

/**
 * Structured JSON logs on stderr (stdout belongs to CLI output such as `embed --json`).
 * Callers log ids and counts, never names, metadata or image content.
 */
export function createLogger(level: 'debug' | 'info' | 'warn' | 'error' | 'silent' = 'info'): Logger {
  return pino({ level, base: { service: 'kinfinder' } }, pino.destination(2));
}

export const silentLogger: Logger = pino({ level: 'silent' });
