import { displaySafe } from '../../src/display.ts';
import fs from 'node:fs/promises';
import { CLI } from '../../src/access/principal.ts';
import { queryGallery } from '../../src/cases/query.ts';
import { isKinfinderError } from '../../src/errors.ts';
import { createLogger } from '../../src/log.ts';
import { subjectRecord } from '../../src/records/record.ts';
import { pathProblem, readCommandLine, runFailed, type CommandSpec } from '../args.ts';
import { EXIT, type CommandContext } from '../context.ts';
import { openRuntime } from '../runtime.ts';

const SEARCH = {
  name: 'search',
  description:
    "Matches one person's reference photo(s) and/or what is known about them (--subject) against the archive " +
    'and prints the ranked candidates with their evidence.\n' +
    'Opens no case and stores nothing; a score is not identity: every candidate needs review.',
  args: { label: '[photo…]', help: 'reference photos of the same person (optional with --subject)', min: 0 },
  options: {
    subject: {
      type: 'string',
      value: 'JSON',
      help: 'what is known about the person: {"surname","givenName","patronymic","birthDate","unit","idNumber","marks"}, any script, every field optional',
    },
    top: { type: 'string', value: 'N', help: 'how many candidates to print, 1 to 500', default: '20' },
    face: {
      type: 'string',
      value: 'N',
      help: 'which face of each photo, 0 = the largest; needed for photos showing several',
      defaultText: 'the only one',
    },
    json: { type: 'boolean', help: 'print one JSON object: {"referenceFaces":[…],"candidates":[…]}' },
  },
  exits: {
    ok: 'the search ran (no candidate is a result too)',
    failed: 'a photo could not be read or has no usable face, or the database failed',
  },
} as const satisfies CommandSpec;

function readSubject(raw: string | undefined, fail: (message: string) => never): Record<string, unknown> | undefined {
  if (raw === undefined) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    fail('--subject is not JSON: give an object such as {"surname":"Іваненко","birthDate":"1990"}');
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) fail('--subject must be a JSON object');
  const subject = parsed as Record<string, unknown>;
  try {
    subjectRecord(subject);
  } catch (err) {
    if (isKinfinderError(err)) fail(`--subject: ${err.message}`);
    throw err;
  }
  return subject;
}

const fmtWeight = (w: number) => `${w >= 0 ? '+' : ''}${w.toFixed(1)}`;

export async function run(args: string[], ctx: CommandContext): Promise<number> {
  const cli = readCommandLine(SEARCH, args, ctx, (c, line) => {
    const subject = readSubject(line.values.subject, c.fail);
    if (line.positionals.length === 0 && !subject) c.fail('give at least one photo, or --subject');
    return { top: c.wholeNumber('top', { max: 500 }), face: c.wholeNumber('face', { min: 0 }), subject };
  });
  if (cli.exit !== undefined) return cli.exit;
  const { values, positionals, top, face, subject } = cli;
  const photos = [];
  for (const file of positionals) {
    try {
      photos.push({ bytes: await fs.readFile(file), faceIndex: face });
    } catch (err) {
      return runFailed(SEARCH, ctx, `${file}: ${pathProblem(err)}`);
    }
  }
  const logger = createLogger(ctx.config.logLevel === 'info' ? 'warn' : ctx.config.logLevel);
  // A search by the subject alone needs no face engine (seconds to load).
  const rt = await openRuntime(ctx.config, logger, { workers: false, faces: photos.length > 0, concurrency: 1 });
  try {
    const result = await queryGallery(rt, CLI, { photos, top, subject });
    if (values.json) {
      ctx.stdout.write(
        `${JSON.stringify({
          referenceFaces: result.referenceFaces,
          candidates: result.candidates.map((c) => ({
            rank: c.rank,
            faceId: c.faceId,
            photoId: c.photoId,
            similarity: c.similarity === null ? null : Number(c.similarity.toFixed(4)),
            band: c.band,
            matchWeight: c.matchWeight,
            matchProbability: c.matchProbability,
            evidence: c.evidence,
            photo: c.photo,
          })),
        })}\n`,
      );
    } else {
      if (result.candidates.length === 0) ctx.stdout.write('no candidate\n');
      for (const c of result.candidates) {
        const face =
          c.similarity === null
            ? 'no face   '
            : `${c.similarity.toFixed(3)} ${(c.band ?? '').padEnd(8)}`.slice(0, 14).padEnd(14);
        const evidence = c.evidence.map((e) => `${e.field} ${e.level} ${fmtWeight(e.weight)}`).join(', ');
        ctx.stdout.write(
          `${String(c.rank).padStart(3)}  ${fmtWeight(c.matchWeight).padStart(6)}  p=${c.matchProbability.toFixed(3)}  ${face}  ` +
            `${displaySafe(c.photo.originalName ?? c.photoId)}${c.photo.source ? `  (${displaySafe(c.photo.source)})` : ''}\n      ${evidence}\n`,
        );
      }
      ctx.stdout.write("a score is not identity: every candidate needs a verifier's review\n");
    }
    return EXIT.ok;
  } finally {
    await rt.close();
  }
}
