import { RECOGNISERS, manifestPathOf, type Recogniser } from '../../src/face/manifest.ts';

/**
 * The recogniser a benchmark describes faces with: KINFINDER_RECOGNISER, as every command of the
 * product reads it (DESIGN §19; default face-api), so `KINFINDER_RECOGNISER=face-api+mobilefacenet
 * npm run bench:…` measures the fused recipe with nothing else changed. A benchmark is an entry
 * point, so it may read the environment; a wrong value stops it with the values allowed.
 */
export function benchRecogniser(env: NodeJS.ProcessEnv = process.env): {
  recogniser: Recogniser;
  manifestPath: string;
} {
  const raw = env.KINFINDER_RECOGNISER ?? 'face-api';
  if (!(RECOGNISERS as readonly string[]).includes(raw)) {
    process.stderr.write(`KINFINDER_RECOGNISER must be one of ${RECOGNISERS.join(', ')}\n`);
    process.exit(2);
  }
  const recogniser = raw as Recogniser;
  return { recogniser, manifestPath: manifestPathOf(recogniser) };
}
