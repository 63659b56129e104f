import { CLI } from '../../src/access/principal.ts';
import { createLogger } from '../../src/log.ts';
import { reembed } from '../../src/maintenance/reembed.ts';
import { CONCURRENCY, readCommandLine, type CommandSpec } from '../args.ts';
import { EXIT, type CommandContext } from '../context.ts';
import { openRuntime } from '../runtime.ts';
import { untilSignal } from '../signals.ts';

const REEMBED = {
  name: 'reembed',
  description:
    "Recomputes the faces of every processed photo (and of the families' reference photos of cases\n" +
    "still held) that were embedded with another model than the current manifest's, after a model\n" +
    "change. Searches use the current model's faces only, so until this has run those photos match\n" +
    'nothing. Resumable: stop it any time, run it again, and it goes on with what is left.\n' +
    'While `serve` holds the embedded database, this runs through it (the faces are computed here;\n' +
    '`kinfinder serve --reembed` does it inside the server instead).',
  options: { concurrency: CONCURRENCY, json: { type: 'boolean', help: 'print the report as one JSON line' } },
  exits: {
    ok: 'every photo is on the current model (or the run was stopped by a signal; run it again)',
    failed: 'the database, blob store or face engine could not be used, or photos failed',
  },
} as const satisfies CommandSpec;

export async function run(args: string[], ctx: CommandContext): Promise<number> {
  const cli = readCommandLine(REEMBED, args, ctx, (c) => ({ concurrency: c.wholeNumber('concurrency') }));
  if (cli.exit !== undefined) return cli.exit;
  const concurrency = cli.concurrency ?? ctx.config.concurrency;
  const logger = createLogger(ctx.config.logLevel === 'info' ? 'warn' : ctx.config.logLevel);
  const rt = await openRuntime(ctx.config, logger, { workers: false, faces: true, concurrency });
  const stop = new AbortController();
  // Not awaited: it settles only at the first SIGINT/SIGTERM, perhaps never, and never rejects;
  // the run goes on and stops between photos once `stop` is aborted.
  void untilSignal(logger).then(() => stop.abort());
  try {
    const faces = rt.faces!;
    let last = 0;
    const report = await reembed({ ...rt, faces, logger }, CLI, {
      concurrency,
      signal: stop.signal,
      onProgress: (p) => {
        if (Date.now() - last < 2000 && p.done + p.failed < p.total) return;
        last = Date.now();
        ctx.stderr.write(
          `re-embedding with ${faces.modelId}: ${p.done + p.failed}/${p.total} photos${p.failed ? `, ${p.failed} failed` : ''}\n`,
        );
      },
    });
    if (cli.values.json) ctx.stdout.write(`${JSON.stringify(report)}\n`);
    else {
      ctx.stdout.write(
        `${report.done} photos re-embedded with ${report.modelId} (${report.faces} faces, ` +
          `${report.remapped} candidates kept on their face, ${report.dropped} faces not found again); ` +
          `${report.references} reference faces; ${report.remaining} photos still on an older model` +
          `${report.failed ? `, ${report.failed} failed (see the log)` : ''}\n`,
      );
    }
    return report.failed > 0 ? EXIT.failed : EXIT.ok;
  } finally {
    await rt.close();
  }
}
