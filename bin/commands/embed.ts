import { displaySafe } from '../../src/display.ts';
import { readFile, stat } from 'node:fs/promises';
import { describeError } from '../../src/errors.ts';
import { ensureFetchedWeights } from '../../src/face/fetch-weights.ts';
import { createFacePool, loadManifest, type FacePool, type PhotoAnalysis } from '../../src/face/index.ts';
import { formatStats } from '../../src/face/pool.ts';
import { BACKEND, BACKENDS, CONCURRENCY, pathProblem, readCommandLine, runFailed, type CommandSpec } from '../args.ts';
import { EXIT, type CommandContext } from '../context.ts';

const EMBED = {
  name: 'embed',
  description:
    'Finds the faces in photos and prints one line per photo as soon as it is done (--json lines carry\n' +
    "the photo's place in the input as `index`): each face (largest first) with its box, score, quality\n" +
    'and L2-normalised embedding (128-d; 320-d with KINFINDER_RECOGNISER=face-api+mobilefacenet). A\n' +
    'photo that cannot be analysed, or that the engine does not\n' +
    'finish in time (face_engine_timeout), gets an error line and the others carry on.',
  args: { label: '<photo…>', help: 'photo files (at least one)', min: 1 },
  options: {
    json: { type: 'boolean', help: 'one JSON line per photo: {file,index,width,height,faces} or {file,index,error}' },
    concurrency: CONCURRENCY,
    backend: BACKEND,
  },
  exits: {
    ok: 'at least one photo was analysed (the ones that failed have an error line)',
    failed: 'no photo could be analysed, or the face engine could not start',
  },
} as const satisfies CommandSpec;

export async function run(args: string[], ctx: CommandContext): Promise<number> {
  const cli = readCommandLine(EMBED, args, ctx, (c) => ({
    concurrency: c.wholeNumber('concurrency'),
    backend: c.oneOf('backend', BACKENDS),
  }));
  if (cli.exit !== undefined) return cli.exit;
  const { values, positionals: files, backend } = cli;
  const concurrency = cli.concurrency ?? ctx.config.concurrency;
  const limits = { maxPixels: ctx.config.maxPixels, maxBytes: ctx.config.maxUploadBytes };

  // Every input is looked at before the engine starts: when none can be read there is nothing
  // to start it for.
  const refused = await Promise.all(files.map((file) => checkInput(file, limits.maxBytes)));
  const readable = refused.filter((r) => r === undefined).length;
  let pool: FacePool | undefined;
  if (readable > 0) {
    try {
      await ensureFetchedWeights(await loadManifest(ctx.config.manifestPath), {
        registry: ctx.config.npmRegistry,
        log: (l) => ctx.stderr.write(`${l}\n`),
      });
      pool = await createFacePool({
        size: Math.min(concurrency, readable),
        limits,
        manifestPath: ctx.config.manifestPath,
        backend,
        budget: { floorMs: ctx.config.faceTimeoutSeconds * 1000 },
        // A long run says where it stands now and then (issue 32: a run that went quiet for 42 minutes).
        statsEveryMs: STATS_EVERY_MS,
        log: (l) => ctx.stderr.write(`${l}\n`),
      });
    } catch (err) {
      const e = describeError(err);
      return runFailed(
        EMBED,
        ctx,
        `the face engine could not start: ${e.code}: ${err instanceof Error ? err.message : e.message}`,
      );
    }
  }
  const failures: string[] = [];
  const t0 = performance.now();
  const print = (file: string, index: number, r: Outcome) => {
    if (!r.ok) failures.push(`${file} (${r.error.code})`);
    ctx.stdout.write(
      values.json
        ? `${JSON.stringify(r.ok ? toJson(file, index, r.analysis) : { file, index, error: r.error })}\n`
        : textLines(file, r),
    );
  };
  try {
    // Photos are read and handed to the pool in input order, a few per thread ahead (reading all
    // at once held every file in memory, and the reads finished out of order: in a 300-photo run
    // some photos reached the pool 90 places late). Each is printed the moment it settles: one
    // slow or stuck photo holds back no other line (issue 32); `index` keeps the input order.
    const ahead = Math.max(2, (pool?.size ?? 1) * 2);
    const inFlight = new Set<Promise<void>>();
    for (const [index, file] of files.entries()) {
      while (inFlight.size >= ahead) await Promise.race(inFlight);
      const refusal = refused[index];
      const read = refusal ? undefined : await readInput(file);
      const outcome: Promise<Outcome> = refusal
        ? Promise.resolve({ ok: false, error: refusal })
        : !read!.ok
          ? Promise.resolve(read as Outcome)
          : pool!.analyse(read!.bytes).then(
              (analysis): Outcome => ({ ok: true, analysis }),
              (err: unknown): Outcome => ({ ok: false, error: describeError(err) }),
            );
      const done: Promise<void> = outcome.then((r) => print(file, index, r)).finally(() => inFlight.delete(done));
      inFlight.add(done);
    }
    await Promise.all(inFlight);
    const s = pool?.stats();
    if (s && (s.timedOut > 0 || s.threadsReplaced > 0 || performance.now() - t0 > STATS_EVERY_MS))
      ctx.stderr.write(`${formatStats(s)}\n`);
  } finally {
    await pool?.close();
  }
  if (failures.length === files.length) {
    const named =
      failures.length > 5 ? `${failures.slice(0, 5).join(', ')} and ${failures.length - 5} more` : failures.join(', ');
    return runFailed(EMBED, ctx, `no photo could be analysed: ${named}`);
  }
  return EXIT.ok;
}

/** How often a long run logs the pool's accounting to stderr. */
const STATS_EVERY_MS = 30_000;

/** The plain-text lines of one photo, written at once so no other photo's lines fall between them. */
function textLines(file: string, r: Outcome): string {
  if (!r.ok) return `${displaySafe(file)}: error ${r.error.code}: ${r.error.message}\n`;
  const a = r.analysis;
  const lines = [`${displaySafe(file)}: ${a.width}×${a.height} ${a.format}, ${a.faces.length} face(s)`];
  a.faces.forEach((f, k) => {
    lines.push(
      `  #${k} box ${Math.round(f.box.x)},${Math.round(f.box.y)} ${Math.round(f.box.width)}×${Math.round(f.box.height)} ` +
        `score ${f.score.toFixed(2)} size ${f.quality.faceSize}px sharpness ${f.quality.sharpness} yaw ${f.quality.yaw}°`,
    );
  });
  return `${lines.join('\n')}\n`;
}

type Outcome = { ok: true; analysis: PhotoAnalysis } | { ok: false; error: { code: string; message: string } };
type Refusal = { code: string; message: string };

async function readInput(file: string): Promise<{ ok: true; bytes: Buffer } | { ok: false; error: Refusal }> {
  try {
    return { ok: true, bytes: await readFile(file) };
  } catch (err) {
    return { ok: false, error: unreadable(err) };
  }
}

function unreadable(err: unknown): Refusal {
  const code = (err as NodeJS.ErrnoException).code;
  return { code: code === 'ENOENT' || code === 'ENOTDIR' ? 'not_found' : 'invalid_input', message: pathProblem(err) };
}

/** Why `file` cannot be analysed, judged from its metadata alone; undefined when it may be. */
async function checkInput(file: string, maxBytes: number): Promise<Refusal | undefined> {
  let info;
  try {
    info = await stat(file);
  } catch (err) {
    return unreadable(err);
  }
  if (!info.isFile()) return { code: 'invalid_input', message: 'not a file' };
  // Refused before reading it into memory.
  if (info.size > maxBytes)
    return {
      code: 'file_too_large',
      message: `the file is larger than ${Math.floor((maxBytes / (1024 * 1024)) * 10) / 10} MB`,
    };
  return undefined;
}

/** DESIGN §5 `embed --json` line, plus `index`: the photo's place among the inputs (lines come as photos finish). */
export function toJson(file: string, index: number, a: PhotoAnalysis) {
  return {
    file,
    index,
    width: a.width,
    height: a.height,
    faces: a.faces.map((f) => ({ box: f.box, score: f.score, quality: f.quality, embedding: f.embedding })),
  };
}
