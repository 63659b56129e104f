import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { JOBS } from '../../src/access/principal.ts';
import { loadManifest, type ModelManifest } from '../../src/face/manifest.ts';
import { matchNewPhoto } from '../../src/match/standing.ts';
import { candidatesOfCase } from '../../src/store/candidates.ts';
import { reviewQueuePage, type QueuePlace } from '../../src/store/review-queue.ts';
import { deleteCaseData } from '../../src/store/cases.ts';
import type { Database } from '../../src/store/database.ts';
import { ensureModel, insertPhoto } from '../../src/store/photos.ts';
import { keyUnrecordedPhotos } from '../../src/store/records.ts';
import { openTestDb, testDbKind, type TestDb } from '../support/db.ts';
import { at, axis, syntheticGallery } from '../support/synthetic-gallery.ts';

// Person records on a real database (issue 14): archive photos carry names, birth dates and
// document numbers; cases carry the family's description; candidates come from the record, the
// face, or both, ranked by the Fellegi-Sunter total. Embeddings are placed at chosen
// similarities (the face engine has no part here; test/records-api.test.ts runs it).

let t: TestDb;
let db: Database;
let manifest: ModelManifest;
let gallery: ReturnType<typeof syntheticGallery>;

// Each archive photo a face of its own far from every reference used below (axes 60..127).
let nextAxis = 60;
const stranger = () => axis(nextAxis++ % 128);
const archive = (
  metadata: Record<string, unknown>,
  face: number[] | null = stranger(),
  quality: Record<string, unknown> = {},
) => gallery.photo(face, undefined, metadata, quality);

beforeAll(async () => {
  t = await openTestDb();
  db = t.db;
  manifest = await loadManifest();
  await ensureModel(db, { id: manifest.id, dims: manifest.dims, manifest });
  gallery = syntheticGallery(db, manifest);
  // A background archive: common surnames, so that u is estimated from something.
  const common = ['Иванов', 'Петров', 'Коваленко', 'Шевченко', 'Бондаренко', 'Мельник'];
  for (let i = 0; i < 60; i++)
    await archive({
      names: [`${common[i % common.length]} ${['Иван', 'Петр', 'Олег', 'Тарас'][i % 4]}`],
      birthDate: String(1970 + (i % 30)),
    });
});
afterAll(async () => {
  await t?.close();
});

const candidates = (caseId: string) => db.transaction((tx) => candidatesOfCase(tx, caseId));

describe(`person records on ${testDbKind()}`, () => {
  it('"Иванов Сергей Петрович, 1999" finds "IVANOV S.P., 1999" in a case with no photo', async () => {
    const target = await archive({ names: ['IVANOV S.P.'], birthDate: '1999' });
    const { caseId } = await gallery.openCase(null, undefined, {
      surname: 'Иванов',
      givenName: 'Сергей',
      patronymic: 'Петрович',
      birthDate: '1999',
    });
    const list = await candidates(caseId);
    expect(list[0]!.photoId).toBe(target.photoId);
    expect(list[0]!.faceId).toBeNull();
    expect(list[0]!.similarity).toBeNull();
    expect(list[0]!.evidence.map((e) => [e.field, e.level])).toEqual([
      ['surname', 'same'],
      ['givenName', 'initial'],
      ['patronymic', 'initial'],
      ['birthYear', 'same'],
    ]);
    expect(list[0]!.matchWeight).toBeGreaterThan(list[1]?.matchWeight ?? -Infinity);
    expect(list[0]!.matchProbability).toBeGreaterThan(0);
  });

  it('"Сергій Коваль" finds "Serhii Koval" and "Sergei Koval", and not Mykola Kovalenko above them', async () => {
    const serhii = await archive({ names: ['Serhii Koval'] });
    const sergei = await archive({ names: ['Sergei Koval'] });
    const other = await archive({ names: ['Mykola Kovalenko'] });
    const { caseId } = await gallery.openCase(null, undefined, { surname: 'Коваль', givenName: 'Сергій' });
    const list = await candidates(caseId);
    expect(new Set(list.slice(0, 2).map((c) => c.photoId))).toEqual(new Set([serhii.photoId, sergei.photoId]));
    for (const c of list.slice(0, 2)) expect(c.evidence.find((e) => e.field === 'givenName')?.level).toBe('same');
    const otherAt = list.findIndex((c) => c.photoId === other.photoId);
    expect(otherAt === -1 || otherAt > 1).toBe(true);
  });

  it('a dog-tag number typed with spaces and a Cyrillic "А" finds the Latin one', async () => {
    const tag = await archive({ idNumbers: ['A7734521'], names: ['Unreadable'] });
    const near = await archive({ idNumbers: ['A7734512'] });
    const { caseId } = await gallery.openCase(null, undefined, { idNumber: 'А 773 4521' });
    const list = await candidates(caseId);
    expect(list[0]!.photoId).toBe(tag.photoId);
    expect(list[0]!.evidence).toEqual([expect.objectContaining({ field: 'idNumber', level: 'same' })]);
    expect(list.find((c) => c.photoId === near.photoId)?.evidence).toEqual([
      expect.objectContaining({ field: 'idNumber', level: 'one_edit' }),
    ]);
  });

  it('a common surname alone ranks below surname + birth year, and weighs less than a rare surname', async () => {
    const withYear = await archive({ names: ['Петров Андрей'], birthDate: '1985' });
    const noYear = await archive({ names: ['Петров Олег'] });
    const { caseId } = await gallery.openCase(null, undefined, { surname: 'Петров', birthDate: '1985' });
    const list = await candidates(caseId);
    expect(list[0]!.photoId).toBe(withYear.photoId);
    const surnameOnly = list.find((c) => c.photoId === noYear.photoId);
    expect(surnameOnly?.evidence.map((e) => e.field)).toEqual(['surname']);
    expect(surnameOnly!.matchWeight).toBeLessThan(list[0]!.matchWeight);

    await archive({ names: ['Гайдамака Остап'] });
    const rare = await gallery.openCase(null, undefined, { surname: 'Гайдамака' });
    const common = await gallery.openCase(null, undefined, { surname: 'Иванов' });
    const rareWeight = (await candidates(rare.caseId))[0]!.evidence[0]!;
    const commonWeight = (await candidates(common.caseId))[0]!.evidence[0]!;
    expect(rareWeight).toMatchObject({ field: 'surname', level: 'same' });
    expect(commonWeight).toMatchObject({ field: 'surname', level: 'same' });
    expect(rareWeight.weight).toBeGreaterThan(commonWeight.weight);
  });

  it('finds a record whose face was missed beside the face matches, and ranks the face that agrees with the record first', async () => {
    const missed = await archive({ names: ['Tkachuk Bohdan'], birthDate: '1991' }, null);
    const lookalike = await archive({}, at(10, 11, 0.95));
    const same = await archive({ names: ['Ткачук Богдан'], birthDate: '1991' }, at(10, 12, 0.93));
    const { caseId } = await gallery.openCase(axis(10), undefined, {
      surname: 'Ткачук',
      givenName: 'Богдан',
      birthDate: '1991',
    });
    const list = await candidates(caseId);
    const ids = list.map((c) => c.photoId);
    expect(ids[0]).toBe(same.photoId);
    expect(ids).toContain(missed.photoId);
    expect(ids).toContain(lookalike.photoId);
    const m = list.find((c) => c.photoId === missed.photoId)!;
    expect(m.face).toBeNull();
    expect(m.similarity).toBeNull();
    const top = list[0]!;
    expect(top.evidence[0]).toMatchObject({ field: 'face', level: 'strong' });
    expect(top.evidence.map((e) => e.field)).toEqual(['face', 'surname', 'givenName', 'birthYear']);
  });

  it('the standing search links a later photo by its record alone, and the review queue shows it without a face', async () => {
    const { caseId } = await gallery.openCase(axis(20), undefined, {
      surname: 'Лысенко',
      givenName: 'Николай',
      birthDate: '1988',
    });
    expect(await candidates(caseId)).toEqual([]);
    const later = await archive({ names: ['LYSENKO Mykola'], birthDate: '1989' }, null);
    expect(await matchNewPhoto({ db, manifest }, JOBS, later.photoId)).toMatchObject({
      faces: 0,
      candidates: 1,
      cases: 1,
    });
    const [c] = await candidates(caseId);
    expect(c).toMatchObject({ photoId: later.photoId, faceId: null, face: null, similarity: null, band: null });
    expect(c!.evidence.map((e) => [e.field, e.level])).toEqual([
      ['surname', 'same'],
      ['givenName', 'same'],
      ['birthYear', 'within_1'],
    ]);
    // again: nothing new
    expect(await matchNewPhoto({ db, manifest }, JOBS, later.photoId)).toMatchObject({ candidates: 0 });
    // a photo whose record names someone else is not linked
    const unrelated = await archive({ names: ['Petrenko Ivan'] }, null);
    expect(await matchNewPhoto({ db, manifest }, JOBS, unrelated.photoId)).toMatchObject({ candidates: 0 });

    const queue = await db.transaction((tx) => reviewQueuePage(tx, { queue: 'pending', personId: null, limit: 500 }));
    const item = queue.find((q) => q.id === c!.id);
    expect(item).toMatchObject({ faceId: null, face: null, photoId: later.photoId });
  });

  it("forgets a deleted case's subject keys, so a later record no longer links to it", async () => {
    const { caseId } = await gallery.openCase(null, undefined, { surname: 'Довгань', idNumber: 'KX 445566' });
    const keys = async () =>
      (await db.query(`SELECT 1 FROM case_record_keys WHERE search_id = $1`, [caseId])).rows.length;
    expect(await keys()).toBeGreaterThan(1);
    await db.transaction((tx) => deleteCaseData(tx, caseId));
    expect(await keys()).toBe(0);
    const later = await archive({ names: ['Dovhan'], idNumbers: ['KX445566'] }, null);
    expect(await matchNewPhoto({ db, manifest }, JOBS, later.photoId)).toMatchObject({ candidates: 0 });
  });

  it('keys the records of photos registered before person records existed, once', async () => {
    const { id } = await db.transaction((tx) =>
      insertPhoto(tx, {
        sha256: 'e'.repeat(64),
        originalName: 'old.jpg',
        byteSize: 1,
        format: 'jpeg',
        sourceId: null,
        metadata: { names: ['Old Record'], notes: 'from 2025' },
      }),
    );
    await db.transaction((tx) =>
      insertPhoto(tx, {
        sha256: 'd'.repeat(64),
        originalName: 'plain.jpg',
        byteSize: 1,
        format: 'jpeg',
        sourceId: null,
        metadata: { notes: 'no names' },
      }),
    );
    expect(await keyUnrecordedPhotos(db, 2)).toBe(1);
    expect((await db.query(`SELECT has_names FROM photo_records WHERE photo_id = $1`, [id])).rows).toEqual([
      { has_names: true },
    ]);
    expect(await keyUnrecordedPhotos(db, 2)).toBe(0);
  });

  it('pages the review queue without losing or repeating a candidate, record-only ones included', async () => {
    const all = await db.transaction((tx) => reviewQueuePage(tx, { queue: 'pending', personId: null, limit: 1000 }));
    expect(all.some((a) => a.faceId === null)).toBe(true);
    const seen: string[] = [];
    let after: QueuePlace | undefined;
    for (;;) {
      const page = await db.transaction((tx) =>
        reviewQueuePage(tx, { queue: 'pending', personId: null, limit: 7, ...(after ? { after } : {}) }),
      );
      if (page.length === 0) break;
      seen.push(...page.map((p) => p.id));
      after = page[page.length - 1]!.place;
    }
    expect(seen).toEqual(all.map((a) => a.id));
    expect(all.length).toBeGreaterThan(7);
  });

  it("an unclear gallery face (its quality's bandCap) is banded and weighed at most as possible, in a case's search and in the standing search", async () => {
    // issue 18 point 3: the calibration was measured on clear faces; a blindfolded one at 0.99 says less
    const unclear = { bandCap: 'possible', flags: ['eyes_hidden'] };
    const clear = await archive({}, at(50, 51, 0.99));
    const covered = await archive({}, at(50, 52, 0.99), unclear);
    const { caseId } = await gallery.openCase(axis(50));
    const list = await candidates(caseId);
    const c = list.find((x) => x.photoId === clear.photoId)!,
      u = list.find((x) => x.photoId === covered.photoId)!;
    expect(c).toMatchObject({ band: 'strong' });
    expect(u).toMatchObject({ band: 'possible' });
    expect(c.evidence[0]).toMatchObject({ field: 'face', level: 'strong' });
    expect(u.evidence[0]).toMatchObject({ field: 'face', level: 'possible' });
    expect(c.matchWeight).toBeGreaterThan(u.matchWeight);

    const later = await gallery.openCase(axis(53));
    const newer = await archive({}, at(53, 54, 0.99), unclear);
    expect(await matchNewPhoto({ db, manifest }, JOBS, newer.photoId)).toMatchObject({ candidates: 1 });
    expect((await candidates(later.caseId))[0]).toMatchObject({ photoId: newer.photoId, band: 'possible' });
  });
});
