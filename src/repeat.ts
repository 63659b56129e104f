/**
 * Runs `task` every `intervalMs` (and once at once with `now`) until stopped; a run that fails is
 * handed to `onError` and the next one comes as planned. `stop()` waits for a run in progress.
 * The timer does not keep the process alive.
 */
export function repeat(task: () => Promise<unknown>, intervalMs: number, opts: { now?: boolean; onError: (err: unknown) => void }): { stop(): Promise<void> } {
  let running: Promise<unknown> = Promise.resolve();
  const run = () => {
    running = task().catch(opts.onError);
  };
  if (opts.now) run();
  const timer = setInterval(run, intervalMs);
  timer.unref();
  return {
    async stop() {
      clearInterval(timer);
      await running;
    },
  };
}
