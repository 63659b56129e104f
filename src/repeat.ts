/**
 * Runs `task` every `intervalMs` (and once at once with `now`, or once `firstAfterMs` after the
 * start) until stopped; a run that fails is handed to `onError` and the next one comes as
 * planned. `stop()` waits for a run in progress. The timers do not keep the process alive.
 */
export function repeat(
  task: () => Promise<unknown>,
  intervalMs: number,
  opts: { now?: boolean; firstAfterMs?: number; onError: (err: unknown) => void },
): { stop(): Promise<void> } {
  let running: Promise<unknown> = Promise.resolve();
  const run = () => {
    running = task().catch(opts.onError);
  };
  if (opts.now) run();
  const first = opts.firstAfterMs === undefined ? undefined : setTimeout(run, opts.firstAfterMs);
  first?.unref();
  const timer = setInterval(run, intervalMs);
  timer.unref();
  return {
    async stop() {
      clearTimeout(first);
      clearInterval(timer);
      await running;
    },
  };
}
