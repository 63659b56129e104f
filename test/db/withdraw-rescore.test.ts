import fs from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_TOKEN, openApiHarness, photoForm, requestJson, type ApiHarness } from '../support/api.ts';
import { lfwPeople } from '../support/fixtures.ts';

// A photo withdrawn from a man of several photos (issue 26): an undecided candidate whose best
// evidence it was is scored again from what of him remains, and stays in the verifiers' queue on
// his next-best photo; it goes only when nothing of his matches any more. A missed match would
// leave a family searching for years: the case may never be searched again.

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

let h: ApiHarness;
const tok: Record<string, string> = {};
const [man] = lfwPeople(2);

const call = (method: string, url: string, token?: string, body?: FormData | Json) =>
  requestJson(h.app, method, `/api/v1${url}`, { token, body, headers: { 'x-test-client': 'withdraw-rescore' } });

const file = (f: string) => ({ name: path.basename(f), bytes: fs.readFileSync(f) });

beforeAll(async () => {
  h = await openApiHarness({ rateLimit: { max: 1000, windowMs: 60_000 } });
  for (const role of ['operator', 'verifier'] as const) {
    const r = await call('POST', '/tokens', ADMIN_TOKEN, { role, name: `rescore ${role}` });
    tok[role] = r.json.token as string;
  }
}, 300_000);
afterAll(async () => {
  await h?.close();
});

describe('withdrawing one photo of a man of several', () => {
  it(
    'moves his pending candidate to his next-best photo, re-scored; it goes once nothing of his matches',
    { timeout: 180_000 },
    async () => {
      const [best, next] = man!.files;
      // a photo of a document, no face and no record: his, but no evidence for any case
      const doc = await sharp({
        create: { width: 400, height: 300, channels: 3, background: { r: 90, g: 120, b: 200 } },
      })
        .jpeg()
        .toBuffer();
      const form = photoForm([file(best!), file(next!), { name: 'doc.jpg', bytes: doc }], 'file');
      const csv = ['file,person_ref', `${path.basename(best!)},R-1`, `${path.basename(next!)},R-1`, 'doc.jpg,R-1'];
      form.append('metadataCsv', new File([csv.join('\n')], 'meta.csv', { type: 'text/csv' }));
      const up = await call('POST', '/photos', tok.operator, form);
      expect(up.status, JSON.stringify(up.json)).toBe(202);
      const [bestId, nextId, docId] = (up.json.photos as Json[]).map((p) => p.id as string);
      for (const id of [bestId, nextId, docId]) await h.process(id!);

      // the family's photo: his best one mirrored (not the archive's bytes)
      const family = await sharp(best!).flop().jpeg({ quality: 92 }).toBuffer();
      const opened = await call('POST', '/searches', undefined, photoForm([{ name: 'f.jpg', bytes: family }], 'photo'));
      expect(opened.status, JSON.stringify(opened.json)).toBe(201);
      const caseId = opened.json.search.id as string;
      const candidates = async () => (await call('GET', `/searches/${caseId}`, tok.verifier)).json.candidates as Json[];
      const [before, ...rest] = await candidates();
      expect(rest).toEqual([]);
      expect(before).toMatchObject({ photoId: bestId, status: 'pending' });
      const rowOf = async (id: string) =>
        (
          await h.t.db.query<Json>(
            `SELECT status, photo_id, face_id, similarity, match_weight, face_rate, stranger_rate, evidence
             FROM candidates WHERE id = $1`,
            [id],
          )
        ).rows[0];
      const was = await rowOf(before!.id);

      const first = await call('POST', `/photos/${bestId}/withdraw`, tok.operator, { reason: 'wrong man' });
      expect(first.status, JSON.stringify(first.json)).toBe(200);
      expect(first.json).toMatchObject({ removedCandidates: 0, rescoredCandidates: 1, keptCandidates: [] });

      // the same candidate, still pending, now on his other photo's face, scored from it
      const now = await rowOf(before!.id);
      expect(now).toMatchObject({ status: 'pending', photo_id: nextId });
      expect(now!.face_id).not.toBeNull();
      const face = await h.t.db.query(`SELECT photo_id FROM faces WHERE id = $1`, [now!.face_id]);
      expect(face.rows).toEqual([{ photo_id: nextId }]);
      expect(Number(now!.similarity)).toBeGreaterThanOrEqual(h.manifest.calibration.floor);
      expect(Number(now!.similarity)).toBeLessThan(Number(was!.similarity));
      // the bar's rates read from the new face (a continuous figure: it moves with the similarity)
      expect(now!.face_rate).not.toBeNull();
      expect(Number(now!.face_rate)).toBeGreaterThan(Number(was!.face_rate));
      expect(Number(now!.stranger_rate)).toBeGreaterThan(Number(was!.stranger_rate));
      // the evidence is the face's band now (both may weigh the same: both strong)
      expect(now!.evidence).toEqual([expect.objectContaining({ field: 'face' })]);
      expect(Number(now!.match_weight)).toBeGreaterThan(0);
      // a verifier still has him to review, shown on the photo that remains
      const queue = await call('GET', '/review?limit=100', tok.verifier);
      expect(queue.status).toBe(200);
      const item = (queue.json.items as Json[]).find((i) => i.id === before!.id);
      expect(item, JSON.stringify(queue.json.items)).toMatchObject({ photoId: nextId, status: 'pending' });
      expect(await candidates()).toMatchObject([{ id: before!.id, photoId: nextId }]);
      const audit = await h.t.db.query<{ details: Json }>(
        `SELECT details FROM audit_events WHERE action = 'photo.withdraw' AND subject_id = $1`,
        [bestId],
      );
      expect(audit.rows.map((r) => r.details)).toEqual([
        expect.objectContaining({ removedCandidates: 0, rescoredCandidates: 1 }),
      ]);

      // his last photo with a face: nothing of his matches the case now, the candidate goes
      const last = await call('POST', `/photos/${nextId}/withdraw`, tok.operator, { reason: 'wrong man' });
      expect(last.status, JSON.stringify(last.json)).toBe(200);
      expect(last.json).toMatchObject({ removedCandidates: 1, rescoredCandidates: 0 });
      expect(await rowOf(before!.id)).toBeUndefined();
      expect(await candidates()).toEqual([]);
      const after = await call('GET', '/review?limit=100', tok.verifier);
      expect((after.json.items as Json[]).map((i) => i.id)).not.toContain(before!.id);
    },
  );
});
