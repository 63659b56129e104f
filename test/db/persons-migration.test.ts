import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { viewCase } from '../../src/cases/view.ts';
import { migrate, readMigrations } from '../../src/store/migrate.ts';
import { openTestDb, type TestDb } from '../support/db.ts';

// Migration 0014 (issue 26): a database made before archive persons keeps everything it knew.
// Every photo becomes a person of one photo; a confirmed photo candidate is the confirmed
// candidate of that person, its decisions keep the photo they were made on, and the family still
// reads its result. Two faces of one group photo proposed to one case become one man's candidate
// (the decided one stays; the other is merged into it, its row and decisions kept).

let t: TestDb;
let dir = '';

const vec = (seed: number) => `[${Array.from({ length: 128 }, (_, i) => (i === seed ? 1 : 0)).join(',')}]`;

beforeAll(async () => {
  t = await openTestDb({ migrate: false });
  const shipped = await readMigrations();
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'kinfinder-0013-'));
  for (const m of shipped.filter((x) => x.version <= 13)) await fs.writeFile(path.join(dir, m.file), m.sql);
  await migrate(t.db, dir);
}, 120_000);
afterAll(async () => {
  await t?.close();
  if (dir) await fs.rm(dir, { recursive: true, force: true });
});

describe('migration 0014 (archive persons)', () => {
  it('moves photo candidates and decisions to persons with nothing lost', { timeout: 120_000 }, async () => {
    const q = (sql: string, params: unknown[] = []) => t.db.query<Record<string, any>>(sql, params); // eslint-disable-line @typescript-eslint/no-explicit-any
    await q(`INSERT INTO models (id, dims, manifest) VALUES ('m', 128, '{}')`);
    const photo = async (c: string) =>
      (
        await q(
          `INSERT INTO photos (sha256, byte_size, status, model_id, category) VALUES (repeat($1, 64), 1, 'done', 'm', 'prisoner') RETURNING id`,
          [c],
        )
      ).rows[0]!.id as string;
    const face = async (photoId: string, index: number) =>
      (
        await q(
          `INSERT INTO faces (photo_id, model_id, face_index, box_x, box_y, box_width, box_height, score, landmarks, quality, embedding)
           VALUES ($1, 'm', $2, 0, 0, 10, 10, 0.9, '[]', '{}', $3::vector) RETURNING id`,
          [photoId, index, vec(index)],
        )
      ).rows[0]!.id as string;
    const single = await photo('a');
    const group = await photo('b');
    const fSingle = await face(single, 0);
    const fGroup0 = await face(group, 1);
    const fGroup1 = await face(group, 2);
    const caseId = (await q(`INSERT INTO searches (status) VALUES ('match_confirmed') RETURNING id`)).rows[0]!
      .id as string;
    const cand = async (faceId: string, status: string, weight: number) =>
      (
        await q(
          `INSERT INTO candidates (search_id, face_id, similarity, band, status, match_weight, decided_at)
           VALUES ($1, $2, 0.95, 'strong', $3::text, $4, CASE WHEN $3::text = 'pending' THEN NULL ELSE now() END) RETURNING id`,
          [caseId, faceId, status, weight],
        )
      ).rows[0]!.id as string;
    const confirmed = await cand(fSingle, 'confirmed', 9.6);
    const groupRejected = await cand(fGroup0, 'rejected', 9.7);
    const groupPending = await cand(fGroup1, 'pending', 3.4);
    const verifier = async (name: string) => {
      const person = (await q(`INSERT INTO people (role, name) VALUES ('verifier', $1) RETURNING id`, [name])).rows[0]!
        .id as string;
      return (
        await q(
          `INSERT INTO tokens (role, name, token_hash, person_id)
           VALUES ('verifier', $1::text, encode(sha256(convert_to($1::text, 'UTF8')), 'hex'), $2) RETURNING id`,
          [name, person],
        )
      ).rows[0]!.id as string;
    };
    const [v1, v2] = [await verifier('v one'), await verifier('v two')];
    for (const v of [v1, v2]) {
      await q(
        `INSERT INTO decisions (candidate_id, token_id, decision, family_message) VALUES ($1, $2, 'confirm', 'he is alive')`,
        [confirmed, v],
      );
      await q(`INSERT INTO decisions (candidate_id, token_id, decision) VALUES ($1, $2, 'reject')`, [groupRejected, v]);
    }
    const decisionsBefore = (await q(`SELECT id, candidate_id FROM decisions ORDER BY seq`)).rows;

    await migrate(t.db);

    const persons = (await q(`SELECT id, person_id FROM photos ORDER BY id`)).rows;
    expect(new Set(persons.map((p) => p.person_id)).size).toBe(2);
    expect((await q(`SELECT count(*)::integer AS n FROM archive_persons`)).rows[0]!.n).toBe(2);
    const personOf = new Map(persons.map((p) => [p.id as string, p.person_id as string]));

    const rows = (
      await q(`SELECT id, person_id, status, merged_into, photo_id FROM candidates ORDER BY match_weight DESC`)
    ).rows;
    expect(rows).toEqual([
      {
        id: groupRejected,
        person_id: personOf.get(group),
        status: 'merged',
        merged_into: groupPending,
        photo_id: group,
      },
      { id: confirmed, person_id: personOf.get(single), status: 'confirmed', merged_into: null, photo_id: single },
      { id: groupPending, person_id: personOf.get(group), status: 'pending', merged_into: null, photo_id: group },
    ]);
    // every decision is still there, on its candidate, with the photo it was made on
    const decisionsAfter = (await q(`SELECT id, candidate_id, photo_id FROM decisions ORDER BY seq`)).rows;
    expect(decisionsAfter.map((d) => ({ id: d.id, candidate_id: d.candidate_id }))).toEqual(decisionsBefore);
    for (const d of decisionsAfter) expect(d.photo_id).toBe(d.candidate_id === confirmed ? single : group);
    // still append-only
    await expect(q(`UPDATE decisions SET photo_id = NULL`)).rejects.toThrow(/append-only/);

    // the family still reads its result, now with a (still empty) history
    const view = await viewCase({ db: t.db }, { id: null, role: 'family', caseId, name: 'family' }, caseId);
    expect(view.for).toBe('family');
    if (view.for === 'family')
      expect(view.confirmed).toEqual([
        expect.objectContaining({
          id: confirmed,
          category: 'prisoner',
          familyMessage: 'he is alive',
          status: null,
          history: [],
        }),
      ]);

    // a new photo becomes a person of its own; a second candidate of one man in one case is refused
    const fresh = await photo('c');
    expect((await q(`SELECT person_id FROM photos WHERE id = $1`, [fresh])).rows[0]!.person_id).toBeTruthy();
    await expect(
      q(`INSERT INTO candidates (search_id, photo_id, match_weight) VALUES ($1, $2, 1)`, [caseId, single]),
    ).rejects.toThrow(/candidates_case_person_key/);
  });
});
