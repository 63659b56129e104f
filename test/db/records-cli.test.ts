import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadManifest } from '../../src/face/manifest.ts';
import { migrate } from '../../src/store/migrate.ts';
import { ensureModel } from '../../src/store/photos.ts';
import { runCli } from '../support/cli.ts';
import { createDeployment, type Deployment } from '../support/deployment.ts';
import { axis, syntheticGallery } from '../support/synthetic-gallery.ts';

// `kinfinder search --subject JSON` (DESIGN §11): a search by what is known about a person, no
// photo needed, prints ranked candidates with their field-by-field evidence.

let dep: Deployment;

beforeAll(async () => {
  dep = createDeployment();
  const db = await dep.open();
  try {
    // On PostgreSQL the installation's schema must exist before anything is migrated into it:
    // otherwise the search path falls through to public (the CLI creates it itself; this test
    // writes the archive first).
    const schema = dep.env().KINFINDER_DB_SCHEMA;
    if (schema) await db.exec(`CREATE SCHEMA IF NOT EXISTS ${schema}`);
    await migrate(db);
    if (schema)
      expect(
        (await db.query<{ r: string | null }>(`SELECT to_regclass($1) AS r`, [`${schema}.photos`])).rows[0]!.r,
      ).not.toBeNull();
    const manifest = await loadManifest();
    await ensureModel(db, { id: manifest.id, dims: manifest.dims, manifest });
    const gallery = syntheticGallery(db, manifest);
    await gallery.photo(axis(1), undefined, { names: ['Petrenko Ivan'], birthDate: '1975' });
    await gallery.photo(axis(2), undefined, { names: ['IVANOV S.P.'], birthDate: '1999' });
    await gallery.photo(null, undefined, { names: ['Иванов Олег'], birthDate: '1960' });
  } finally {
    await db.close();
  }
}, 120_000);
afterAll(async () => {
  await dep?.destroy();
});

describe(`kinfinder search --subject on ${process.env.KINFINDER_TEST_DB ?? 'pglite'}`, () => {
  it(
    'finds "IVANOV S.P., 1999" from a Cyrillic subject, with evidence, in JSON and as text',
    { timeout: 120_000 },
    async () => {
      const subject = JSON.stringify({
        surname: 'Иванов',
        givenName: 'Сергей',
        patronymic: 'Петрович',
        birthDate: '1999',
      });
      const r = await runCli(['search', '--subject', subject, '--json'], dep.env());
      expect(r.stderr).toBe('');
      expect(r.code).toBe(0);
      const out = JSON.parse(r.stdout) as {
        candidates: Array<{
          rank: number;
          faceId: string | null;
          similarity: number | null;
          matchWeight: number;
          matchProbability: number;
          evidence: Array<{ field: string; level: string; weight: number }>;
          photo: { originalName: string };
        }>;
      };
      expect(out.candidates[0]).toMatchObject({ rank: 1, photo: { originalName: 'g2.jpg' }, similarity: null });
      expect(out.candidates[0]!.evidence.map((e) => `${e.field}:${e.level}`)).toEqual([
        'surname:same',
        'givenName:initial',
        'patronymic:initial',
        'birthYear:same',
      ]);
      expect(out.candidates[0]!.matchProbability).toBeGreaterThan(0);
      // Petrenko agrees on nothing: not a candidate
      expect(out.candidates.map((c) => c.photo.originalName)).not.toContain('g1.jpg');

      const text = await runCli(['search', '--subject', subject], dep.env());
      expect(text.code).toBe(0);
      expect(text.stdout).toMatch(/^ {2}1 +\+\d+\.\d {2}p=0\.\d{3} {2}no face +g2\.jpg\n {6}surname same \+\d/);
    },
  );

  it('refuses a subject that cannot be right as a wrong command line (exit 2)', { timeout: 60_000 }, async () => {
    const future = await runCli(['search', '--subject', '{"surname":"Иванов","birthDate":"2999"}'], dep.env());
    expect(future.code).toBe(2);
    expect(future.stderr).toMatch(/^kinfinder search: --subject: subject\.birthDate is in the future\n/);
    const notJson = await runCli(['search', '--subject', '{surname:'], dep.env());
    expect(notJson.code).toBe(2);
    expect(notJson.stderr).toMatch(/--subject is not JSON/);
    const badYear = await runCli(['search', '--subject', '{"surname":"Иванов","birthDate":"19x9"}'], dep.env());
    expect(badYear.code).toBe(2);
    expect(badYear.stderr).toMatch(/subject\.birthDate is not a date/);
  });
});
