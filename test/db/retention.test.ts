// Retention (KINFINDER_CASE_RETENTION_DAYS): `purge --dry-run` says exactly what a purge then
// removes: the personal data of cases deleted or closed before the cutoff, nothing of the rest.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI } from '../../src/access/principal.ts';
import { purgeExpiredCases } from '../../src/maintenance/purge.ts';
import { testDbKind } from '../support/db.ts';
import { lfwPeople } from '../support/fixtures.ts';
import { ADMIN_TOKEN, openApiHarness, photoForm, requestJson, type ApiHarness } from '../support/api.ts';

const people = lfwPeople(2).slice(0, 4);
let h: ApiHarness;
let verifier: string;
const cases: Record<'closedLongAgo' | 'closedRecently' | 'open' | 'deletedLongAgo', string> = {} as never;

async function openCase(file: string, subject: Record<string, string>): Promise<{ id: string; candidateId?: string }> {
  const r = await requestJson(h.app, 'POST', '/api/v1/searches', {
    token: verifier,
    body: photoForm([{ name: path.basename(file), bytes: fs.readFileSync(file) }], 'photo', {
      subject: JSON.stringify(subject),
    }),
  });
  expect(r.status).toBe(201);
  return { id: r.json.search.id, candidateId: r.json.candidates[0]?.id };
}

const count = async (sql: string, params: unknown[]) => (await h.t.db.query<{ n: number }>(sql, params)).rows[0]!.n;

beforeAll(async () => {
  h = await openApiHarness({ rateLimit: { max: 1000, windowMs: 60_000 } });
  verifier = (
    await requestJson(h.app, 'POST', '/api/v1/tokens', {
      token: ADMIN_TOKEN,
      body: { role: 'verifier', name: 'verifier one' },
    })
  ).json.token;
  await h.enrol(people.map((p) => p.files[0]!));
  const a = await openCase(people[0]!.files[1]!, { surname: 'Adamenko' });
  cases.closedLongAgo = a.id;
  // A verifier's note on this case: it is about the family's relative and goes with the case.
  expect(
    (
      await requestJson(h.app, 'POST', `/api/v1/candidates/${a.candidateId}/decisions`, {
        token: verifier,
        body: { decision: 'reject', note: 'different ears' },
      })
    ).status,
  ).toBe(201);
  cases.closedRecently = (await openCase(people[1]!.files[1]!, { surname: 'Bondar' })).id;
  cases.open = (await openCase(people[2]!.files[1]!, { surname: 'Chornyi' })).id;
  cases.deletedLongAgo = (await openCase(people[3]!.files[1]!, { surname: 'Didenko' })).id;
  expect(
    (await requestJson(h.app, 'DELETE', `/api/v1/searches/${cases.deletedLongAgo}`, { token: ADMIN_TOKEN })).status,
  ).toBe(204);
  await h.t.db.query(`UPDATE searches SET status = 'closed', closed_at = now() - interval '40 days' WHERE id = $1`, [
    cases.closedLongAgo,
  ]);
  await h.t.db.query(`UPDATE searches SET status = 'closed', closed_at = now() - interval '5 days' WHERE id = $1`, [
    cases.closedRecently,
  ]);
  await h.t.db.query(
    `UPDATE searches SET deleted_at = now() - interval '31 days', closed_at = now() - interval '31 days' WHERE id = $1`,
    [cases.deletedLongAgo],
  );
}, 300_000);
afterAll(async () => {
  await h?.close();
});

describe(`purge on ${testDbKind()}`, () => {
  it('a dry run lists exactly what the purge then removes, and nothing else is touched', async () => {
    const refKeys = (
      await h.t.db.query<{ k: string }>(`SELECT photo_sha256 AS k FROM reference_faces WHERE search_id = $1`, [
        cases.closedLongAgo,
      ])
    ).rows.map((r) => r.k);
    expect(refKeys).toHaveLength(1);
    const before = await count(`SELECT count(*)::integer AS n FROM reference_faces`, []);

    const dry = await purgeExpiredCases({ db: h.t.db, blobs: h.blobs }, CLI, { retentionDays: 30, dryRun: true });
    expect(dry.cases.map((c) => [c.id, c.reason])).toEqual([
      [cases.closedLongAgo, 'closed'],
      [cases.deletedLongAgo, 'deleted'],
    ]);
    expect(dry.cases[0]).toMatchObject({ referenceFaces: 1, notes: 1, subject: true, familyTokens: 0 });
    // The deleted case lost its family data when it was deleted; its code is revoked but still held.
    expect(dry.cases[1]).toMatchObject({ referenceFaces: 0, notes: 0, subject: false });
    expect(dry.totals).toMatchObject({ cases: 2, referenceFaces: 1, notes: 1, subjects: 1 });
    expect(dry.totals.blobs).toBeGreaterThanOrEqual(2); // the reference photo, its crop and display copy
    expect(await count(`SELECT count(*)::integer AS n FROM reference_faces`, [])).toBe(before);
    expect(await h.blobs.has(refKeys[0]!)).toBe(true);

    const real = await purgeExpiredCases({ db: h.t.db, blobs: h.blobs }, CLI, { retentionDays: 30, dryRun: false });
    expect({ ...real, dryRun: true, cutoff: dry.cutoff }).toEqual(dry);

    expect(await count(`SELECT count(*)::integer AS n FROM reference_faces`, [])).toBe(before - 1);
    expect(
      await count(`SELECT count(*)::integer AS n FROM reference_faces WHERE search_id = $1`, [cases.closedLongAgo]),
    ).toBe(0);
    expect(await h.blobs.has(refKeys[0]!)).toBe(false);
    const subjects = await h.t.db.query<{ id: string; subject: Record<string, unknown>; purged: boolean }>(
      `SELECT id, subject, purged_at IS NOT NULL AS purged FROM searches`,
    );
    const byId = new Map(subjects.rows.map((r) => [r.id, r]));
    expect(byId.get(cases.closedLongAgo)).toMatchObject({ subject: {}, purged: true });
    expect(byId.get(cases.deletedLongAgo)).toMatchObject({ purged: true });
    expect(byId.get(cases.closedRecently)).toMatchObject({ subject: { surname: 'Bondar' }, purged: false });
    expect(byId.get(cases.open)).toMatchObject({ subject: { surname: 'Chornyi' }, purged: false });
    expect(await count(`SELECT count(*)::integer AS n FROM decision_notes`, [])).toBe(0);
    // The decision itself stays (append-only), and so does the record of the purge, without personal data.
    expect(await count(`SELECT count(*)::integer AS n FROM decisions`, [])).toBe(1);
    expect(await count(`SELECT count(*)::integer AS n FROM tokens WHERE search_id = $1`, [cases.deletedLongAgo])).toBe(
      0,
    );
    const audit = await h.t.db.query<{ details: Record<string, unknown> }>(
      `SELECT details FROM audit_events WHERE action = 'search.purge' ORDER BY id`,
    );
    expect(audit.rows.map((r) => r.details)).toEqual([
      { reason: 'closed', referenceFaces: 1, notes: 1, familyTokens: 0 },
      { reason: 'deleted', referenceFaces: 0, notes: 0, familyTokens: dry.cases[1]!.familyTokens },
    ]);

    const again = await purgeExpiredCases({ db: h.t.db, blobs: h.blobs }, CLI, { retentionDays: 30, dryRun: true });
    expect(again.totals.cases).toBe(0);
    // A shorter period reaches the recently closed case, and only it.
    expect(
      (await purgeExpiredCases({ db: h.t.db, blobs: h.blobs }, CLI, { retentionDays: 2, dryRun: true })).cases.map(
        (c) => c.id,
      ),
    ).toEqual([cases.closedRecently]);
  }, 120_000);
});
