import { parseArgs } from 'node:util';
import { createLogger } from '../../src/log.ts';
import { EXIT, type CommandContext } from '../context.ts';
import { openRuntime } from '../runtime.ts';
import { untilSignal } from '../signals.ts';

export async function run(args: string[], ctx: CommandContext): Promise<number> {
  const { values } = parseArgs({ args, options: { concurrency: { type: 'string' } } });
  const concurrency = values.concurrency === undefined ? ctx.config.concurrency : Number(values.concurrency);
  if (!Number.isInteger(concurrency) || concurrency < 1) {
    ctx.stderr.write('kinfinder worker: --concurrency must be a whole number ≥ 1\n');
    return EXIT.usage;
  }
  const logger = createLogger(ctx.config.logLevel);
  const rt = await openRuntime(ctx.config, logger, { workers: true, concurrency });
  ctx.stderr.write(`kinfinder worker: ${concurrency} at a time on the ${rt.db.kind} database (${rt.faces?.backend} backend)\n`);
  try {
    await untilSignal(logger);
  } finally {
    await rt.close();
  }
  return EXIT.ok;
}
