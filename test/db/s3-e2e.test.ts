import { randomBytes } from 'node:crypto';
import type { ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, runCli, startCli, waitForExit, waitForHttp } from '../support/cli.ts';
import { createDeployment, type Deployment } from '../support/deployment.ts';
import { lfwPeople, lfwPhotos } from '../support/fixtures.ts';
import { startTestS3, type TestS3 } from '../support/s3.ts';

/**
 * Several machines, one bucket. On PostgreSQL: `serve` and two `kinfinder worker` processes,
 * each with its own KINFINDER_DATA_DIR (no disk in common) and the same S3 bucket, ingest 40
 * photos uploaded to the server. On PGlite, whose database one process owns, `serve` alone
 * (with its in-process workers) does the same against the bucket. Either way the server must
 * serve every crop, open a case that finds the family's mate, and answer 503 for photo reads
 * while the store is down.
 */
// A real secret: start-up refuses a guessable admin token (issue 16).
const ADMIN = randomBytes(24).toString('hex');
const GALLERY = 40;

// The family's photo is another photo of a person whose first photo is in the gallery.
const mate = lfwPeople(2)[0]!;
const probe = mate.files[1]!;
const gallery = [mate.files[0]!, ...lfwPhotos().filter((f) => !mate.files.includes(f))].slice(0, GALLERY);

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

let s3: TestS3;
let dep: Deployment;
const extraDirs: string[] = [];
const children: Array<{ name: string; child: ChildProcess; output: string }> = [];
let api = '';

function spawnKinfinder(name: string, args: string[], env: NodeJS.ProcessEnv) {
  const entry = { name, child: startCli(args, env), output: '' };
  entry.child.stdout?.on('data', (d: Buffer) => (entry.output += d.toString()));
  entry.child.stderr?.on('data', (d: Buffer) => (entry.output += d.toString()));
  children.push(entry);
  return entry;
}

/** What each process said, for a failure message that shows why rather than just a timeout. */
const outputs = () =>
  children.map((c) => `--- ${c.name} (exit ${String(c.child.exitCode)}) ---\n${c.output.slice(-3000)}`).join('\n');

async function until(what: string, check: () => boolean | Promise<boolean>, timeoutMs: number) {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`${what} did not happen within ${timeoutMs} ms\n${outputs()}`);
    // Not faster: every poll is a request the busy server answers (and audits).
    await new Promise((r) => setTimeout(r, 1000));
  }
}

async function call(method: string, route: string, token: string | undefined, body?: FormData | Json) {
  const headers: Record<string, string> = token ? { authorization: `Bearer ${token}` } : {};
  let payload: FormData | string | undefined;
  if (body instanceof FormData) payload = body;
  else if (body) {
    payload = JSON.stringify(body);
    headers['content-type'] = 'application/json';
  }
  const res = await fetch(`${api}/api/v1${route}`, { method, headers, ...(payload ? { body: payload } : {}) });
  const type = res.headers.get('content-type') ?? '';
  return {
    status: res.status,
    type,
    json: type.includes('json') ? ((await res.json()) as Json) : undefined,
    bytes: type.includes('json') ? undefined : Buffer.from(await res.arrayBuffer()),
  };
}

function form(field: string, files: string[]): FormData {
  const f = new FormData();
  for (const file of files)
    f.append(field, new File([new Uint8Array(fs.readFileSync(file))], path.basename(file), { type: 'image/jpeg' }));
  return f;
}

beforeAll(async () => {
  s3 = await startTestS3();
  dep = createDeployment();
}, 60_000);

afterAll(async () => {
  for (const c of children) if (c.child.exitCode === null) c.child.kill('SIGTERM');
  for (const c of children) await waitForExit(c.child);
  await dep?.destroy();
  await s3?.destroy();
  for (const d of extraDirs) fs.rmSync(d, { recursive: true, force: true });
});

describe('workers without a shared disk, one S3 bucket', () => {
  it('will not start against a bucket that does not exist', { timeout: 120_000 }, async () => {
    const r = await runCli(
      ['serve', '--port', '0'],
      dep.env({ ...s3.env(), KINFINDER_BLOBS: 's3://kinfinder-tset/photos' }),
      { timeoutMs: 100_000 },
    );
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(
      `kinfinder serve: photo store s3://kinfinder-tset/photos at ${s3.endpoint}: bucket 'kinfinder-tset' does not exist (invalid_config)`,
    );
  });

  it(
    `ingests ${GALLERY} photos, serves every crop, and finds the mate, on ${process.env.KINFINDER_TEST_DB ?? 'pglite'}`,
    { timeout: 480_000 },
    async () => {
      const port = await freePort();
      const bucketEnv = { ...s3.env('org/photos'), KINFINDER_ADMIN_TOKEN: ADMIN };
      const serveEnv = dep.env({ ...bucketEnv, PORT: String(port), KINFINDER_LOG_LEVEL: 'info' });
      const dataDirs = [dep.dataDir];
      const workers: Array<ReturnType<typeof spawnKinfinder>> = [];
      if (dep.kind === 'postgres') {
        // The server migrates the database: start it first, then the workers on "other machines".
        spawnKinfinder('serve', ['serve', '--concurrency', '1'], serveEnv);
        api = `http://127.0.0.1:${port}`;
        await waitForHttp(`${api}/healthz`, 180_000);
        for (const name of ['worker 1', 'worker 2']) {
          const own = fs.mkdtempSync(path.join(os.tmpdir(), 'kinfinder-machine-'));
          extraDirs.push(own);
          dataDirs.push(own);
          workers.push(
            spawnKinfinder(
              name,
              ['worker', '--concurrency', '1'],
              dep.env({ ...bucketEnv, KINFINDER_LOG_LEVEL: 'info', KINFINDER_DATA_DIR: own }),
            ),
          );
        }
        // Ready once each has loaded its face engine and started polling.
        await until(
          'both workers starting',
          () => workers.every((w) => /kinfinder worker: 1 at a time/.test(w.output)),
          180_000,
        );
      } else {
        spawnKinfinder('serve', ['serve', '--concurrency', '2'], serveEnv);
        api = `http://127.0.0.1:${port}`;
        await waitForHttp(`${api}/healthz`, 180_000);
      }

      const token = async (role: string) => {
        const r = await call('POST', '/tokens', ADMIN, { role, name: `${role} e2e` });
        expect(r.status, JSON.stringify(r.json)).toBe(201);
        return r.json!.token as string;
      };
      const operator = await token('operator');
      const verifier = await token('verifier');

      const uploaded = await call('POST', '/photos', operator, form('file', gallery));
      expect(uploaded.status, JSON.stringify(uploaded.json)).toBe(202);
      const ids = (uploaded.json!.photos as Json[]).map((p) => p.id as string);
      expect(ids).toHaveLength(GALLERY);
      expect(new Set(ids).size).toBe(GALLERY);

      const photos = new Map<string, Json>();
      await until(
        `all ${GALLERY} photos done`,
        async () => {
          for (const id of ids) {
            if (photos.get(id)?.status === 'done') continue;
            const r = await call('GET', `/photos/${id}`, operator);
            expect(r.status).toBe(200);
            expect(r.json!.status, `${id}: ${JSON.stringify(r.json!.error)}\n${outputs()}`).not.toBe('failed');
            photos.set(id, r.json!);
          }
          return [...photos.values()].filter((p) => p.status === 'done').length === GALLERY;
        },
        300_000,
      );

      if (dep.kind === 'postgres') {
        // The workers did the work: each read originals the server had stored, from the bucket.
        for (const w of workers)
          expect((w.output.match(/"msg":"photo ingested"/g) ?? []).length, outputs()).toBeGreaterThan(0);
      }

      // Every crop and every display image, through the server, whoever made them.
      let crops = 0;
      for (const p of photos.values()) {
        const image = await call('GET', `/photos/${p.id}/image`, operator);
        expect(image.status).toBe(200);
        expect(image.bytes!.subarray(0, 2).toString('hex')).toBe('ffd8');
        for (const f of p.faces as Json[]) {
          const crop = await call('GET', `/faces/${f.id}/crop`, operator);
          expect(crop.status, `crop of face ${f.id}`).toBe(200);
          expect(crop.type).toBe('image/jpeg');
          expect(crop.bytes!.subarray(0, 2).toString('hex')).toBe('ffd8');
          crops++;
        }
      }
      expect(crops).toBeGreaterThanOrEqual(GALLERY);

      // Nothing went to a local disk: the photos are in the bucket only.
      for (const d of dataDirs) expect(fs.existsSync(path.join(d, 'blobs')), d).toBe(false);
      const stored = fs.readdirSync(path.join(s3.dir, 'kinfinder-test', 'org', 'photos'));
      expect(stored.length).toBeGreaterThan(10);

      // A family opens a case with another photo of the mate; a verifier sees the mate among the candidates.
      const opened = await call('POST', '/searches', undefined, form('photo', [probe]));
      expect(opened.status, JSON.stringify(opened.json)).toBe(201);
      expect(opened.json!.candidates).toBeUndefined();
      const view = await call('GET', `/searches/${opened.json!.search.id}`, verifier);
      expect(view.status).toBe(200);
      const found = (view.json!.candidates as Json[]).find((c) => c.photoId === ids[0]);
      expect(
        found,
        `the mate ${path.basename(mate.files[0]!)} among ${JSON.stringify((view.json!.candidates as Json[]).map((c) => c.photo.originalName))}`,
      ).toBeDefined();
      expect(found!.rank).toBe(1);
      expect((await call('GET', found!.face.cropUrl.replace('/api/v1', ''), verifier)).status).toBe(200);
      const refId = (opened.json!.referenceFaces as Json[])[0]!.id as string;
      expect((await call('GET', `/reference-faces/${refId}/crop`, verifier)).status).toBe(200);

      // The store goes down: photo reads answer 503 with the error body, and recover with it.
      await s3.stop();
      try {
        const down = await call('GET', `/photos/${ids[0]}/image`, operator);
        expect(down.status).toBe(503);
        expect(down.json!.error).toMatchObject({
          code: 'store_unavailable',
          message: expect.stringMatching(/photo store/),
        });
        expect((await call('GET', `/faces/${found!.faceId}/crop`, verifier)).status).toBe(503);
        // the API itself stays up
        expect((await fetch(`${api}/healthz`)).status).toBe(200);
      } finally {
        await s3.start();
      }
      expect((await call('GET', `/photos/${ids[0]}/image`, operator)).status).toBe(200);
    },
  );
});
