// Re-embedding after a change of the manifest id (DESIGN §12): searches use the current model's
// faces only, `reembed` moves every photo (and the reference faces of held cases) to it, and the
// same searches find the same photos with the same similarities; a decided candidate follows its
// face. Real face engine, real photos.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../api/app.ts';
import { CLI } from '../../src/access/principal.ts';
import type { FaceAnalyser } from '../../src/face/index.ts';
import { silentLogger } from '../../src/log.ts';
import { reembed } from '../../src/maintenance/reembed.ts';
import { createCounters } from '../../src/metrics.ts';
import { ensureModel } from '../../src/store/photos.ts';
import { countOnOlderModel } from '../../src/store/reembed.ts';
import { testDbKind } from '../support/db.ts';
import { lfwPeople } from '../support/fixtures.ts';
import { ADMIN_TOKEN, LIMITS, openApiHarness, photoForm, requestJson, type ApiHarness } from '../support/api.ts';

const people = lfwPeople(2).slice(0, 6);
let h: ApiHarness;
let app2: ReturnType<typeof createApp>;
let faces2: FaceAnalyser;
const tokens: Record<string, string> = {};
const probe = people[0]!.files[1]!;

function search(app: ReturnType<typeof createApp>) {
  return requestJson(app, 'POST', '/api/v1/searches', {
    token: tokens.v1,
    body: photoForm([{ name: path.basename(probe), bytes: fs.readFileSync(probe) }], 'photo'),
  });
}

beforeAll(async () => {
  h = await openApiHarness({ rateLimit: { max: 1000, windowMs: 60_000 } });
  for (const [k, name] of [
    ['v1', 'verifier one'],
    ['v2', 'verifier two'],
  ] as const) {
    tokens[k] = (
      await requestJson(h.app, 'POST', '/api/v1/tokens', { token: ADMIN_TOKEN, body: { role: 'verifier', name } })
    ).json.token;
  }
  await h.enrol(people.map((p) => p.files[0]!));
  // The "new" model: the same engine under a new manifest id, as after a recipe change.
  const manifest2 = { ...h.manifest, id: `${h.manifest.id}+next` };
  await ensureModel(h.t.db, { id: manifest2.id, dims: manifest2.dims, manifest: manifest2 });
  faces2 = {
    get backend() {
      return h.faces.backend;
    },
    modelId: manifest2.id,
    analyse: (b, o) => h.faces.analyse(b, o),
    analyseImage: (i, o) => h.faces.analyseImage(i, o),
    close: async () => undefined,
  };
  app2 = createApp({
    db: h.t.db,
    logger: silentLogger,
    api: {
      db: h.t.db,
      blobs: h.blobs,
      faces: faces2,
      manifest: manifest2,
      limits: LIMITS,
      queue: h.queue,
      confirmations: 2,
      counters: createCounters(),
      adminToken: ADMIN_TOKEN,
      rateLimit: { max: 1000, windowMs: 60_000 },
    },
  });
}, 300_000);
afterAll(async () => {
  await h?.close();
});

describe(`reembed on ${testDbKind()}`, () => {
  it('moves every face to the new model and the same searches find the same photos', async () => {
    const before = await search(h.app);
    expect(before.status).toBe(201);
    const found = before.json.candidates.map((c: { photoId: string; similarity: number }) => [c.photoId, c.similarity]);
    expect(found.length).toBeGreaterThan(0);
    // A confirmed match: its candidate must follow its face to the new model.
    const top = before.json.candidates[0];
    for (const t of [tokens.v1, tokens.v2])
      expect(
        (
          await requestJson(h.app, 'POST', `/api/v1/candidates/${top.id}/decisions`, {
            token: t,
            body: { decision: 'confirm' },
          })
        ).status,
      ).toBe(201);

    // On the new model and before reembed, no gallery face is comparable: nothing is found.
    const stale = await search(app2);
    expect(stale.status).toBe(201);
    expect(stale.json.candidates).toEqual([]);
    expect(await countOnOlderModel(h.t.db, faces2.modelId)).toBe(people.length);

    const progress: number[] = [];
    const report = await reembed(
      { db: h.t.db, blobs: h.blobs, faces: faces2, queue: h.queue, limits: LIMITS, logger: silentLogger },
      CLI,
      { concurrency: 2, onProgress: (p) => progress.push(p.done) },
    );
    expect(report).toMatchObject({ total: people.length, done: people.length, failed: 0, remaining: 0, dropped: 0 });
    expect(report.references).toBe(1); // the case opened on the old model
    expect(progress.at(-1)).toBe(people.length);

    const old = await h.t.db.query<{ n: number }>(`SELECT count(*)::integer AS n FROM faces WHERE model_id <> $1`, [
      faces2.modelId,
    ]);
    expect(old.rows[0]!.n).toBe(0);
    const oldRefs = await h.t.db.query<{ n: number }>(
      `SELECT count(*)::integer AS n FROM reference_faces WHERE model_id <> $1`,
      [faces2.modelId],
    );
    expect(oldRefs.rows[0]!.n).toBe(0);

    const after = await search(app2);
    const again = after.json.candidates.map((c: { photoId: string; similarity: number }) => [c.photoId, c.similarity]);
    expect(again.map((x: unknown[]) => x[0])).toEqual(found.map((x: unknown[]) => x[0]));
    again.forEach((x: [string, number], i: number) => expect(x[1]).toBeCloseTo(found[i][1], 3));

    const confirmed = await h.t.db.query<{ modelId: string; status: string }>(
      `SELECT f.model_id AS "modelId", c.status FROM candidates c JOIN faces f ON f.id = c.face_id WHERE c.id = $1`,
      [top.id],
    );
    expect(confirmed.rows).toEqual([{ modelId: faces2.modelId, status: 'confirmed' }]);
    const caseView = await requestJson(app2, 'GET', `/api/v1/searches/${top.searchId}`, { token: tokens.v1 });
    expect(caseView.json.search.status).toBe('match_confirmed');

    // Nothing left to do: a second run changes nothing.
    const second = await reembed(
      { db: h.t.db, blobs: h.blobs, faces: faces2, queue: h.queue, limits: LIMITS, logger: silentLogger },
      CLI,
      { concurrency: 2 },
    );
    expect(second).toMatchObject({ total: 0, done: 0, references: 0 });
  }, 600_000);
});
