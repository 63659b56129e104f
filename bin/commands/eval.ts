import { readFile, stat, writeFile } from 'node:fs/promises';
import { describeError } from '../../src/errors.ts';
import { calibrationFromReport } from '../../src/eval/calibration.ts';
import { RECIPES } from '../../src/eval/recipes.ts';
import { ensureFetchedWeights } from '../../src/face/fetch-weights.ts';
import { createFacePool, loadManifest, type Recipe } from '../../src/face/index.ts';
import { sameRecipe } from '../../src/face/recipe.ts';
import { parsePairs } from '../../src/eval/pairs.ts';
import { evaluatePairs, type RecipeReport } from '../../src/eval/run.ts';
import {
  BACKEND,
  BACKENDS,
  CONCURRENCY,
  pathProblem,
  readCommandLine,
  readSubcommand,
  runFailed,
  usageError,
  type CommandSpec,
  type GroupSpec,
} from '../args.ts';
import { EXIT, type CommandContext } from '../context.ts';

const RECIPE_NAMES = ['manifest', ...Object.keys(RECIPES)];

const PAIRS = {
  name: 'eval pairs',
  description: `Measures verification accuracy on an LFW-style pairs file, per face recipe.
Prints 10-fold accuracy, AUC, TAR at fixed false-match rates and the similarity thresholds for them.
Recipes: manifest (the one KINFINDER_RECOGNISER's manifest, models/<recogniser>.json, names), ${Object.keys(RECIPES).join(', ')}`,
  options: {
    images: {
      type: 'string',
      value: 'DIR',
      help: 'LFW-style images folder: DIR/<Name>/<Name>_0001.jpg',
      required: true,
    },
    pairs: {
      type: 'string',
      value: 'FILE',
      help: 'lines "name n1 n2" (same person), "name1 n1 name2 n2" (two people)',
      required: true,
    },
    json: { type: 'boolean', help: 'print one JSON object instead of the table' },
    recipe: {
      type: 'string',
      value: 'NAME[,NAME…]|all',
      help: 'recipes to compare (names above)',
      default: 'manifest',
    },
    concurrency: CONCURRENCY,
    backend: BACKEND,
    'write-calibration': {
      type: 'boolean',
      help: "store the manifest recipe's thresholds in its manifest (models/<recogniser>.json)",
    },
  },
  exits: {
    ok: 'the pairs were evaluated (photos that failed count as non-matches and are reported)',
    failed: 'the images folder or pairs file cannot be read, no photo could be read, or the engine failed',
  },
} as const satisfies CommandSpec;

const EVAL: GroupSpec = {
  name: 'eval',
  description: 'Measures the face engine on labelled photos.',
  commands: { pairs: PAIRS },
};

/** `kinfinder eval <sub-command> …`. */
export async function runEval(args: string[], ctx: CommandContext): Promise<number> {
  const sub = readSubcommand(EVAL, args, ctx);
  if (sub.exit !== undefined) return sub.exit;
  return run(sub.rest, ctx);
}

/** `kinfinder eval pairs …` (args exclude `eval pairs`). */
export async function run(args: string[], ctx: CommandContext): Promise<number> {
  const cli = readCommandLine(PAIRS, args, ctx, (c, { values }) => {
    const names =
      values.recipe === 'all'
        ? RECIPE_NAMES
        : values.recipe
            .split(',')
            .map((n) => n.trim())
            .filter(Boolean);
    const unknown = names.find((n) => !RECIPE_NAMES.includes(n));
    if (unknown !== undefined || names.length === 0)
      c.fail(`--recipe must name recipes among ${RECIPE_NAMES.join(', ')} (or be all), not '${values.recipe}'`);
    return { names, concurrency: c.wholeNumber('concurrency'), backend: c.oneOf('backend', BACKENDS) };
  });
  if (cli.exit !== undefined) return cli.exit;
  const { values, names, backend } = cli;
  const concurrency = cli.concurrency ?? ctx.config.concurrency;

  const folder = await stat(values.images).catch((err: unknown) => pathProblem(err));
  if (typeof folder === 'string' || !folder.isDirectory())
    return runFailed(PAIRS, ctx, `${values.images}: ${typeof folder === 'string' ? folder : 'not a folder'}`);
  let pairs;
  try {
    pairs = parsePairs(await readFile(values.pairs, 'utf8'));
  } catch (err) {
    return runFailed(
      PAIRS,
      ctx,
      `${values.pairs}: ${(err as NodeJS.ErrnoException).code ? pathProblem(err) : (err as Error).message}`,
    );
  }
  if (pairs.length === 0) return runFailed(PAIRS, ctx, `${values.pairs}: no pairs in the file`);

  try {
    const manifestPath = ctx.config.manifestPath;
    const manifest = await loadManifest(manifestPath);
    const recipes: Recipe[] = [];
    for (const n of names) {
      const r = n === 'manifest' ? { ...manifest.recipe, name: `manifest(${manifest.recipe.name})` } : RECIPES[n]!;
      if (!recipes.some((x) => x.name === r.name)) recipes.push(r);
    }
    const calibrated = recipes.findIndex((r) => sameRecipe(r, manifest.recipe));
    if (values['write-calibration'] && calibrated < 0)
      return usageError(PAIRS, ctx, '--write-calibration needs the manifest recipe among --recipe');
    await ensureFetchedWeights(manifest, { registry: ctx.config.npmRegistry, log: (l) => ctx.stderr.write(`${l}\n`) });
    const pool = await createFacePool({
      size: concurrency,
      manifestPath,
      limits: { maxPixels: ctx.config.maxPixels, maxBytes: ctx.config.maxUploadBytes },
      backend,
      budget: { floorMs: ctx.config.faceTimeoutSeconds * 1000 },
      // A long evaluation says where the pool stands now and then (issue 32).
      statsEveryMs: 60_000,
      log: (l) => ctx.stderr.write(`${l}\n`),
    });
    const t0 = performance.now();
    let reports: RecipeReport[];
    let lastPct = -1;
    try {
      reports = await evaluatePairs(pool, {
        imagesDir: values.images,
        pairs,
        recipes,
        inFlight: pool.size * 2,
        onProgress: (d, t) => {
          const pct = Math.floor((d / t) * 20) * 5;
          if (pct !== lastPct) {
            lastPct = pct;
            ctx.stderr.write(`  ${d}/${t} photos\n`);
          }
        },
      });
    } finally {
      await pool.close();
    }
    const photos = reports[0]?.photos ?? 0;
    if (reports[0] && reports[0].failed >= photos)
      return runFailed(
        PAIRS,
        ctx,
        `none of the ${photos} photos named by ${values.pairs} could be read from ${values.images}`,
      );
    const seconds = (performance.now() - t0) / 1000;
    const meta = {
      backend: pool.backend,
      workers: concurrency,
      seconds: Math.round(seconds * 10) / 10,
      msPerPhotoWall: Math.round((seconds * 1000) / Math.max(1, photos)),
      recipesPerPhoto: recipes.length,
    };
    if (values.json) ctx.stdout.write(`${JSON.stringify({ ...meta, reports })}\n`);
    else ctx.stdout.write(formatReports(reports, meta));

    const rep = reports[calibrated];
    if (values['write-calibration'] && rep) {
      const json = JSON.parse(await readFile(manifestPath, 'utf8')) as Record<string, unknown>;
      json.calibration = calibrationFromReport(
        rep,
        `kinfinder eval pairs --images ${values.images} --pairs ${values.pairs} --recipe ${values.recipe} --write-calibration`,
      );
      await writeFile(manifestPath, `${JSON.stringify(json, null, 2)}\n`);
      await loadManifest(manifestPath); // still valid
      ctx.stderr.write(`calibration written to ${manifestPath}\n`);
    }
    return EXIT.ok;
  } catch (err) {
    const e = describeError(err);
    return runFailed(
      PAIRS,
      ctx,
      `${e.code}: ${e.code === 'internal' && err instanceof Error ? err.message : e.message}`,
    );
  }
}

const pct = (x: number, d = 2) => `${(x * 100).toFixed(d)} %`;

export function formatReports(reports: RecipeReport[], meta: Record<string, unknown>): string {
  const lines: string[] = [];
  lines.push(`LFW pairs: ${reports[0]?.pairs ?? 0} pairs, ${reports[0]?.photos ?? 0} photos; ${JSON.stringify(meta)}`);
  lines.push(
    [
      'recipe'.padEnd(26),
      '10-fold acc'.padStart(16),
      'AUC'.padStart(8),
      'TAR@FAR0.1%'.padStart(12),
      'no face'.padStart(8),
      'thr@0.1%'.padStart(9),
      'thr@1%'.padStart(8),
      'all-imp thr@0.1%/1%/10%'.padStart(26),
    ].join(' '),
  );
  for (const r of reports) {
    lines.push(
      [
        r.recipe.padEnd(26),
        `${pct(r.accuracy.mean)} ±${(r.accuracy.std * 100).toFixed(2)}`.padStart(16),
        r.auc.toFixed(4).padStart(8),
        pct(r.pairs_fmr['tar@far0.1%'], 1).padStart(12),
        String(r.noFace).padStart(8),
        r.pairs_fmr['threshold@0.1%'].toFixed(4).padStart(9),
        r.pairs_fmr['threshold@1%'].toFixed(4).padStart(8),
        `${r.all_impostors['threshold@0.1%'].toFixed(4)}/${r.all_impostors['threshold@1%'].toFixed(4)}/${r.all_impostors['threshold@10%'].toFixed(4)}`.padStart(
          26,
        ),
      ].join(' '),
    );
  }
  lines.push(
    'Thresholds: cosine similarity at which the false-match rate is ≤ 0.1 % / 1 % (labelled pairs; all-imp = every different-person pair among the photos).',
  );
  return `${lines.join('\n')}\n`;
}
