import type { Logger } from '../src/log.ts';

/**
 * Resolves on the first SIGINT or SIGTERM so the caller can shut down in order. A second
 * signal means "now": the process exits at once.
 */
export function untilSignal(logger: Logger, onFirst?: () => void): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    let stopping = false;
    const handler = (signal: NodeJS.Signals) => {
      if (stopping) process.exit(130);
      stopping = true;
      logger.info({ signal }, 'shutting down');
      onFirst?.();
      resolve(signal);
    };
    process.on('SIGINT', handler);
    process.on('SIGTERM', handler);
  });
}
