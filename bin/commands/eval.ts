import { readFile, writeFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import type { CommandContext } from '../context.ts';
import { describeError } from '../../src/errors.ts';
import { RECIPES } from '../../src/eval/recipes.ts';
import { createFacePool, DEFAULT_MANIFEST_PATH, loadManifest, type Recipe } from '../../src/face/index.ts';
import { sameRecipe } from '../../src/face/recipe.ts';
import { parsePairs } from '../../src/eval/pairs.ts';
import { evaluatePairs, type RecipeReport } from '../../src/eval/run.ts';

type Ctx = CommandContext;

const USAGE = `usage: kinfinder eval pairs --images DIR --pairs FILE [--json] [--recipe NAME[,NAME…]|all]
                             [--concurrency N] [--backend auto|wasm|cpu|tfjs-node] [--write-calibration]
  NAME: manifest (default: the recipe in models/face-api.json) or one of: ${Object.keys(RECIPES).join(', ')}
  --write-calibration  store the manifest recipe's FMR thresholds in models/face-api.json`;

/** `kinfinder eval pairs …` (args exclude `eval pairs`). Exit 0 ok, 1 failure, 2 usage. */
export async function run(args: string[], ctx: Ctx): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({
      args,
      options: {
        images: { type: 'string' },
        pairs: { type: 'string' },
        json: { type: 'boolean', default: false },
        recipe: { type: 'string', default: 'manifest' },
        concurrency: { type: 'string' },
        backend: { type: 'string', default: 'auto' },
        'write-calibration': { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
      },
      allowPositionals: false,
    }));
  } catch (err) {
    ctx.stderr.write(`${(err as Error).message}\n${USAGE}\n`);
    return 2;
  }
  if (values.help) { ctx.stdout.write(`${USAGE}\n`); return 0; }
  if (!values.images || !values.pairs) { ctx.stderr.write(`--images and --pairs are required\n${USAGE}\n`); return 2; }
  const backend = values.backend;
  if (!['auto', 'wasm', 'cpu', 'tfjs-node'].includes(backend)) { ctx.stderr.write(`unknown --backend ${backend}\n${USAGE}\n`); return 2; }
  const concurrency = values.concurrency !== undefined ? Number(values.concurrency) : ctx.config.concurrency;
  if (!Number.isInteger(concurrency) || concurrency < 1) { ctx.stderr.write(`--concurrency must be a positive whole number\n`); return 2; }

  try {
    const manifest = await loadManifest();
    const names = values.recipe === 'all' ? ['manifest', ...Object.keys(RECIPES)] : values.recipe.split(',').map((s) => s.trim()).filter(Boolean);
    const recipes: Recipe[] = [];
    for (const n of names) {
      const r = n === 'manifest' ? { ...manifest.recipe, name: `manifest(${manifest.recipe.name})` } : RECIPES[n];
      if (!r) { ctx.stderr.write(`unknown recipe ${n}\n${USAGE}\n`); return 2; }
      if (!recipes.some((x) => x.name === r.name)) recipes.push(r);
    }
    const pairs = parsePairs(await readFile(values.pairs, 'utf8'));
    if (pairs.length === 0) { ctx.stderr.write('no pairs in the pairs file\n'); return 2; }
    const pool = await createFacePool({
      size: concurrency,
      limits: { maxPixels: ctx.config.maxPixels, maxBytes: ctx.config.maxUploadBytes },
      backend: backend as 'auto',
      log: (l) => ctx.stderr.write(`${l}\n`),
    });
    const t0 = performance.now();
    let reports: RecipeReport[];
    let lastPct = -1;
    try {
      reports = await evaluatePairs(pool, {
        imagesDir: values.images, pairs, recipes, inFlight: pool.size * 2,
        onProgress: (d, t) => {
          const pct = Math.floor((d / t) * 20) * 5;
          if (pct !== lastPct) { lastPct = pct; ctx.stderr.write(`  ${d}/${t} photos\n`); }
        },
      });
    } finally {
      await pool.close();
    }
    const seconds = (performance.now() - t0) / 1000;
    const photos = reports[0]?.photos ?? 0;
    const meta = { backend: pool.backend, workers: concurrency, seconds: Math.round(seconds * 10) / 10, msPerPhotoWall: Math.round((seconds * 1000) / Math.max(1, photos)), recipesPerPhoto: recipes.length };
    if (values.json) ctx.stdout.write(`${JSON.stringify({ ...meta, reports })}\n`);
    else ctx.stdout.write(formatReports(reports, meta));

    if (values['write-calibration']) {
      const i = recipes.findIndex((r) => sameRecipe(r, manifest.recipe));
      const rep = reports[i];
      if (i < 0 || !rep) { ctx.stderr.write('--write-calibration needs the manifest recipe among --recipe\n'); return 2; }
      const json = JSON.parse(await readFile(DEFAULT_MANIFEST_PATH, 'utf8')) as Record<string, unknown>;
      json.calibration = calibrationFrom(rep, `kinfinder eval pairs --images ${values.images} --pairs ${values.pairs} --recipe ${values.recipe} --write-calibration`);
      await writeFile(DEFAULT_MANIFEST_PATH, `${JSON.stringify(json, null, 2)}\n`);
      await loadManifest(); // still valid
      ctx.stderr.write(`calibration written to ${DEFAULT_MANIFEST_PATH}\n`);
    }
    return 0;
  } catch (err) {
    const e = describeError(err);
    ctx.stderr.write(`eval failed: ${e.code}: ${e.code === 'internal' && err instanceof Error ? err.message : e.message}\n`);
    return 1;
  }
}

/** The manifest `calibration` block for one recipe's report (thresholds from all impostor pairs). */
export function calibrationFrom(rep: RecipeReport, command: string, measuredAt = new Date().toISOString()) {
  const a = rep.all_impostors;
  return {
    strong: { threshold: round4up(a['threshold@0.1%']), fmr: 0.001 },
    possible: { threshold: round4up(a['threshold@1%']), fmr: 0.01 },
    floor: round4down(a['threshold@10%']),
    method: `Cosine similarity thresholds at which the false-match rate is ≤ 0.1 % (strong) and ≤ 1 % (possible) over all ${a.count} different-person pairs among the ${rep.photos} photos named by the LFW pairs file (labelled pairs alone give ${rep.pairs_fmr['threshold@0.1%'].toFixed(4)} / ${rep.pairs_fmr['threshold@1%'].toFixed(4)}); floor = the ≤ 10 % FMR threshold (candidates below it are not stored). 10-fold accuracy ${(rep.accuracy.mean * 100).toFixed(2)} % ± ${(rep.accuracy.std * 100).toFixed(2)}, AUC ${rep.auc.toFixed(4)}, TAR ${(a['tar@far0.1%'] * 100).toFixed(1)} % at FAR 0.1 %, ${rep.noFace} photo(s) without a detected face. Development figures on LFW View 1 (deep-funneled news photos of public figures), not on prisoner or war-dead photos.`,
    measuredAt,
    command,
    figures: { accuracy: rep.accuracy.mean, accuracyStd: rep.accuracy.std, auc: rep.auc, tarAtFar01: a['tar@far0.1%'], noFace: rep.noFace, pairs: rep.pairs, photos: rep.photos, impostorPairs: a.count },
  };
}

const round4up = (x: number) => Math.ceil(x * 1e4) / 1e4;
const round4down = (x: number) => Math.floor(x * 1e4) / 1e4;
const pct = (x: number, d = 2) => `${(x * 100).toFixed(d)} %`;

export function formatReports(reports: RecipeReport[], meta: Record<string, unknown>): string {
  const lines: string[] = [];
  lines.push(`LFW pairs: ${reports[0]?.pairs ?? 0} pairs, ${reports[0]?.photos ?? 0} photos; ${JSON.stringify(meta)}`);
  lines.push(['recipe'.padEnd(26), '10-fold acc'.padStart(16), 'AUC'.padStart(8), 'TAR@FAR0.1%'.padStart(12), 'no face'.padStart(8), 'thr@0.1%'.padStart(9), 'thr@1%'.padStart(8), 'all-imp thr@0.1%/1%/10%'.padStart(26)].join(' '));
  for (const r of reports) {
    lines.push([
      r.recipe.padEnd(26),
      `${pct(r.accuracy.mean)} ±${(r.accuracy.std * 100).toFixed(2)}`.padStart(16),
      r.auc.toFixed(4).padStart(8),
      pct(r.pairs_fmr['tar@far0.1%'], 1).padStart(12),
      String(r.noFace).padStart(8),
      r.pairs_fmr['threshold@0.1%'].toFixed(4).padStart(9),
      r.pairs_fmr['threshold@1%'].toFixed(4).padStart(8),
      `${r.all_impostors['threshold@0.1%'].toFixed(4)}/${r.all_impostors['threshold@1%'].toFixed(4)}/${r.all_impostors['threshold@10%'].toFixed(4)}`.padStart(26),
    ].join(' '));
  }
  lines.push('Thresholds: cosine similarity at which the false-match rate is ≤ 0.1 % / 1 % (labelled pairs; all-imp = every different-person pair among the photos).');
  return `${lines.join('\n')}\n`;
}
