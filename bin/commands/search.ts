import { displaySafe } from '../../src/display.ts';
import fs from 'node:fs/promises';
import { CLI } from '../../src/access/principal.ts';
import { queryGallery } from '../../src/cases/query.ts';
import { createLogger } from '../../src/log.ts';
import { pathProblem, readCommandLine, runFailed, type CommandSpec } from '../args.ts';
import { EXIT, type CommandContext } from '../context.ts';
import { openRuntime } from '../runtime.ts';

const SEARCH = {
  name: 'search',
  description: "Matches one person's reference photo(s) against the gallery and prints the ranked candidates.\nOpens no case and stores nothing; similarity is not identity: every candidate needs review.",
  args: { label: '<photo…>', help: 'reference photos of the same person (at least one)', min: 1 },
  options: {
    top: { type: 'string', value: 'N', help: 'how many candidates to print, 1 to 500', default: '20' },
    face: { type: 'string', value: 'N', help: 'which face of each photo, 0 = the largest; needed for photos showing several', defaultText: 'the only one' },
    json: { type: 'boolean', help: 'print one JSON object: {"referenceFaces":[…],"candidates":[…]}' },
  },
  exits: { ok: 'the search ran (no candidate above the floor is a result too)', failed: 'a photo could not be read or has no usable face, or the database failed' },
} as const satisfies CommandSpec;

export async function run(args: string[], ctx: CommandContext): Promise<number> {
  const cli = readCommandLine(SEARCH, args, ctx, (c) => ({ top: c.wholeNumber('top', { max: 500 }), face: c.wholeNumber('face', { min: 0 }) }));
  if (cli.exit !== undefined) return cli.exit;
  const { values, positionals, top, face } = cli;
  const photos = [];
  for (const file of positionals) {
    try {
      photos.push({ bytes: await fs.readFile(file), faceIndex: face });
    } catch (err) {
      return runFailed(SEARCH, ctx, `${file}: ${pathProblem(err)}`);
    }
  }
  const logger = createLogger(ctx.config.logLevel === 'info' ? 'warn' : ctx.config.logLevel);
  const rt = await openRuntime(ctx.config, logger, { workers: false, faces: true, concurrency: 1 });
  try {
    const result = await queryGallery({ ...rt, faces: rt.faces! }, CLI, { photos, top });
    if (values.json) {
      ctx.stdout.write(
        `${JSON.stringify({
          referenceFaces: result.referenceFaces,
          candidates: result.candidates.map((c) => ({ rank: c.rank, faceId: c.faceId, photoId: c.photoId, similarity: Number(c.similarity.toFixed(4)), band: c.band, photo: c.photo })),
        })}\n`,
      );
    } else {
      if (result.candidates.length === 0) ctx.stdout.write('no candidate above the similarity floor\n');
      for (const c of result.candidates) {
        ctx.stdout.write(`${String(c.rank).padStart(3)}  ${c.similarity.toFixed(3)}  ${c.band.padEnd(8)}  ${displaySafe(c.photo.originalName ?? c.photoId)}${c.photo.source ? `  (${displaySafe(c.photo.source)})` : ''}\n`);
      }
      ctx.stdout.write('similarity is not identity: every candidate needs a verifier\'s review\n');
    }
    return EXIT.ok;
  } finally {
    await rt.close();
  }
}
