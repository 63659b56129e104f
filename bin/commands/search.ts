import fs from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { CLI } from '../../src/access/principal.ts';
import { queryGallery } from '../../src/cases/query.ts';
import { createLogger } from '../../src/log.ts';
import { EXIT, type CommandContext } from '../context.ts';
import { openRuntime } from '../runtime.ts';

const USAGE = 'usage: kinfinder search <photo…> [--top 20] [--face N] [--json]';

export async function run(args: string[], ctx: CommandContext): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: { top: { type: 'string', default: '20' }, face: { type: 'string' }, json: { type: 'boolean', default: false } },
  });
  const top = Number(values.top);
  const face = values.face === undefined ? undefined : Number(values.face);
  if (positionals.length === 0 || !Number.isInteger(top) || top < 1 || top > 500 || (face !== undefined && (!Number.isInteger(face) || face < 0))) {
    ctx.stderr.write(`${USAGE}\n`);
    return EXIT.usage;
  }
  const photos = [];
  for (const file of positionals) {
    try {
      photos.push({ bytes: await fs.readFile(file), faceIndex: face });
    } catch (err) {
      ctx.stderr.write(`kinfinder search: cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? 'error'}\n`);
      return EXIT.failed;
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
        ctx.stdout.write(`${String(c.rank).padStart(3)}  ${c.similarity.toFixed(3)}  ${c.band.padEnd(8)}  ${c.photo.originalName ?? c.photoId}${c.photo.source ? `  (${c.photo.source})` : ''}\n`);
      }
      ctx.stdout.write('similarity is not identity: every candidate needs a verifier\'s review\n');
    }
    return EXIT.ok;
  } finally {
    await rt.close();
  }
}
