import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { KinfinderError, isKinfinderError, type ErrorCode } from '../../src/errors.ts';
import { createFaceEngine } from '../../src/face/index.ts';
import type { AnalyseOptions, FaceAnalyser, PhotoAnalysis } from '../../src/face/types.ts';
import type { ImageLimits, NormalisedImage } from '../../src/image/types.ts';
import { REPO_ROOT } from './cli.ts';

/**
 * The real face engine's output, recorded the first time a photo is analysed and replayed by the
 * photo's hash after that, for tests whose subject is what happens to faces (the API, the review,
 * the records) rather than the engine itself. Every answer here was computed by the real engine
 * on the real bytes — nothing is written by hand — and the recordings are keyed by a fingerprint
 * of everything that shapes the engine's output (its source, the model manifest, the packages'
 * versions, the limits), so a change to any of them records afresh instead of replaying stale
 * faces. The engine's own behaviour is tested in the `engine` tier, never through this.
 *
 * Why: the same few fixture photos are analysed by a dozen API test files on both databases;
 * loading the weights and running the detector cascade on them again in every file was most of
 * the db tier's time. In CI the PGlite run records and the PostgreSQL run replays.
 */

/** Files and folders whose contents decide what the engine answers for given bytes. */
const ENGINE_INPUTS = ['src/face', 'src/image', 'models'];
const ENGINE_PACKAGES = ['@vladmandic/face-api', '@tensorflow/tfjs', '@tensorflow/tfjs-backend-wasm', 'sharp'];

let fingerprintMemo: string | undefined;

/** A hash of the engine's source, model files and package versions: the recordings' key space. */
export function engineFingerprint(): string {
  if (fingerprintMemo) return fingerprintMemo;
  const h = createHash('sha256');
  const walk = (rel: string): void => {
    const abs = path.join(REPO_ROOT, rel);
    const st = fs.statSync(abs);
    if (st.isDirectory()) {
      // models/.cache holds weights fetched for another recogniser (issue 30): they shape no
      // face-api answer, and whether a checkout has fetched them must not change the key
      for (const name of fs.readdirSync(abs).sort()) if (!name.startsWith('.')) walk(path.join(rel, name));
    } else {
      h.update(`${rel}\0`);
      h.update(fs.readFileSync(abs));
    }
  };
  for (const rel of ENGINE_INPUTS) walk(rel);
  for (const pkg of ENGINE_PACKAGES) {
    const manifest = JSON.parse(fs.readFileSync(path.join(REPO_ROOT, 'node_modules', pkg, 'package.json'), 'utf8')) as {
      version: string;
    };
    h.update(`${pkg}@${manifest.version}\0`);
  }
  fingerprintMemo = h.digest('hex').slice(0, 24);
  return fingerprintMemo;
}

/** Where recordings live: `KINFINDER_TEST_FACE_RECORDINGS`, else under node_modules/.cache. */
export function recordingsDir(): string {
  const root =
    process.env.KINFINDER_TEST_FACE_RECORDINGS ?? path.join(REPO_ROOT, 'node_modules/.cache/kinfinder-test-faces');
  return path.join(root, engineFingerprint());
}

interface RecordedError {
  error: { code: ErrorCode; message: string; details?: Record<string, unknown> };
}
type Recording = { analysis: PhotoAnalysis } | RecordedError;

/** What the answer depends on besides the pixels: `client` only orders work, so it is left out. */
function optionsKey(options: AnalyseOptions | undefined): string {
  return JSON.stringify({ centreFallback: options?.centreFallback ?? false });
}

function writeAtomically(file: string, text: string): void {
  // Two test files may record the same photo at once: each writes its own temporary file and the
  // rename makes whichever lands last whole (both hold the same answer).
  const tmp = `${file}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
  fs.writeFileSync(tmp, text);
  fs.renameSync(tmp, file);
}

/**
 * A FaceAnalyser that answers from recordings and runs the real engine (created on the first
 * miss) for anything not recorded yet. Domain errors (a corrupt photo, too many pixels) are
 * recorded and replayed as the same KinfinderError; any other error is never recorded.
 */
export async function recordedFaceEngine(opts: { limits: ImageLimits }): Promise<FaceAnalyser> {
  const dir = path.join(
    recordingsDir(),
    createHash('sha256').update(JSON.stringify(opts.limits)).digest('hex').slice(0, 12),
  );
  fs.mkdirSync(dir, { recursive: true });
  const metaFile = path.join(dir, 'engine.json');
  let engine: Promise<FaceAnalyser> | undefined;
  const real = (): Promise<FaceAnalyser> => {
    engine ??= createFaceEngine({ limits: opts.limits }).then((e) => {
      writeAtomically(metaFile, JSON.stringify({ backend: e.backend, modelId: e.modelId }));
      return e;
    });
    return engine;
  };
  // The backend's name is part of what /healthz reports: read it from the engine that recorded.
  if (!fs.existsSync(metaFile)) await real();
  const meta = JSON.parse(fs.readFileSync(metaFile, 'utf8')) as { backend: string; modelId: string };

  const answer = async (key: string, compute: (e: FaceAnalyser) => Promise<PhotoAnalysis>): Promise<PhotoAnalysis> => {
    const file = path.join(dir, `${key}.json`);
    let recording: Recording | undefined;
    try {
      recording = JSON.parse(fs.readFileSync(file, 'utf8')) as Recording;
    } catch {
      recording = undefined;
    }
    if (!recording) {
      try {
        recording = { analysis: await compute(await real()) };
      } catch (err) {
        if (!isKinfinderError(err)) throw err;
        recording = {
          error: { code: err.code, message: err.message, ...(err.details ? { details: err.details } : {}) },
        };
      }
      writeAtomically(file, JSON.stringify(recording));
    }
    if ('error' in recording)
      throw new KinfinderError(recording.error.code, recording.error.message, recording.error.details);
    return recording.analysis;
  };

  return {
    backend: meta.backend,
    modelId: meta.modelId,
    analyse(bytes, options) {
      const key = createHash('sha256').update('bytes\0').update(optionsKey(options)).update(bytes).digest('hex');
      return answer(key, (e) => e.analyse(bytes, options));
    },
    analyseImage(img: NormalisedImage, options) {
      const key = createHash('sha256')
        .update(`image\0${img.width}x${img.height}\0${img.format}\0`)
        .update(optionsKey(options))
        .update(img.data)
        .digest('hex');
      return answer(key, (e) => e.analyseImage(img, options));
    },
    async close() {
      if (engine) await (await engine).close();
    },
  };
}
