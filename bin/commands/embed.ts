import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { describeError, KinfinderError } from '../../src/errors.ts';
import { createFacePool, type PhotoAnalysis } from '../../src/face/index.ts';
import type { CommandContext } from '../context.ts';

const USAGE = `usage: kinfinder embed <photo…> [--json] [--concurrency N] [--backend auto|wasm|cpu|tfjs-node]
  one line per photo, in input order: faces (largest first) with box, score, quality and a
  128-d L2-normalised embedding; unreadable photos print an error line and the rest carry on`;

/** `kinfinder embed <photo…>`. Exit 0 even when some photos fail; 2 on usage errors; 1 if the engine cannot start. */
export async function run(args: string[], ctx: CommandContext): Promise<number> {
  let values, positionals: string[];
  try {
    ({ values, positionals } = parseArgs({
      args,
      options: {
        json: { type: 'boolean', default: false },
        concurrency: { type: 'string' },
        backend: { type: 'string', default: 'auto' },
        help: { type: 'boolean', short: 'h', default: false },
      },
      allowPositionals: true,
    }));
  } catch (err) {
    ctx.stderr.write(`${(err as Error).message}\n${USAGE}\n`);
    return 2;
  }
  if (values.help) { ctx.stdout.write(`${USAGE}\n`); return 0; }
  if (positionals.length === 0) { ctx.stderr.write(`no photos given\n${USAGE}\n`); return 2; }
  if (!['auto', 'wasm', 'cpu', 'tfjs-node'].includes(values.backend)) { ctx.stderr.write(`unknown --backend ${values.backend}\n${USAGE}\n`); return 2; }
  const concurrency = values.concurrency !== undefined ? Number(values.concurrency) : ctx.config.concurrency;
  if (!Number.isInteger(concurrency) || concurrency < 1) { ctx.stderr.write('--concurrency must be a positive whole number\n'); return 2; }

  const limits = { maxPixels: ctx.config.maxPixels, maxBytes: ctx.config.maxUploadBytes };
  let pool;
  try {
    pool = await createFacePool({
      size: Math.min(concurrency, positionals.length),
      limits,
      backend: values.backend as 'auto',
      log: (l) => ctx.stderr.write(`${l}\n`),
    });
  } catch (err) {
    const e = describeError(err);
    ctx.stderr.write(`embed: the face engine could not start: ${e.code}: ${err instanceof Error ? err.message : e.message}\n`);
    return 1;
  }
  try {
    // Start every photo (the pool queues them), print strictly in input order as results arrive.
    const jobs = positionals.map((file) => analyseFile(file, limits.maxBytes, (b) => pool.analyse(b)));
    for (let i = 0; i < positionals.length; i++) {
      const file = positionals[i]!;
      const r = await jobs[i]!;
      if (values.json) {
        ctx.stdout.write(`${JSON.stringify(r.ok ? toJson(file, r.analysis) : { file, error: r.error })}\n`);
      } else if (r.ok) {
        const a = r.analysis;
        ctx.stdout.write(`${file}: ${a.width}×${a.height} ${a.format}, ${a.faces.length} face(s)\n`);
        a.faces.forEach((f, k) => {
          ctx.stdout.write(`  #${k} box ${Math.round(f.box.x)},${Math.round(f.box.y)} ${Math.round(f.box.width)}×${Math.round(f.box.height)} score ${f.score.toFixed(2)} size ${f.quality.faceSize}px sharpness ${f.quality.sharpness} yaw ${f.quality.yaw}°\n`);
        });
      } else {
        ctx.stdout.write(`${file}: error ${r.error.code}: ${r.error.message}\n`);
      }
    }
    return 0;
  } finally {
    await pool.close();
  }
}

type Outcome = { ok: true; analysis: PhotoAnalysis } | { ok: false; error: { code: string; message: string } };

async function analyseFile(file: string, maxBytes: number, analyse: (b: Uint8Array) => Promise<PhotoAnalysis>): Promise<Outcome> {
  try {
    const bytes = await readInput(file, maxBytes);
    return { ok: true, analysis: await analyse(bytes) };
  } catch (err) {
    return { ok: false, error: describeError(err) };
  }
}

async function readInput(file: string, maxBytes: number): Promise<Uint8Array> {
  const { stat } = await import('node:fs/promises');
  let size: number;
  try {
    const s = await stat(file);
    if (!s.isFile()) throw new KinfinderError('invalid_input', `not a file: ${path.basename(file)}`);
    size = s.size;
  } catch (err) {
    if (err instanceof KinfinderError) throw err;
    throw new KinfinderError('not_found', `cannot read ${path.basename(file)}`, undefined, { cause: err });
  }
  // refuse oversized files before reading them into memory
  if (size > maxBytes) throw new KinfinderError('file_too_large', `the file is larger than ${Math.floor((maxBytes / (1024 * 1024)) * 10) / 10} MB`);
  return readFile(file);
}

/** DESIGN §5 `embed --json` line. */
export function toJson(file: string, a: PhotoAnalysis) {
  return {
    file,
    width: a.width,
    height: a.height,
    faces: a.faces.map((f) => ({ box: f.box, score: f.score, quality: f.quality, embedding: f.embedding })),
  };
}
