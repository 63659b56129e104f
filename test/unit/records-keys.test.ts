import { describe, expect, it } from 'vitest';
import { readBirthDate } from '../../src/records/birth-date.ts';
import { compareRecords } from '../../src/records/compare.ts';
import { givenNamesEquivalent } from '../../src/records/given-names.ts';
import { foldIdNumber, idDistance, idVariants } from '../../src/records/id-numbers.ts';
import { markKeys, unitKeys } from '../../src/records/marks.ts';
import { nameTokens, wordToken } from '../../src/records/normalise.ts';
import { archiveRecord, subjectRecord } from '../../src/records/record.ts';
import {
  matchProbability,
  MAX_U_FACTOR,
  mTable,
  M_PRIORS,
  rejectionFactor,
  totalWeight,
  uTable,
  U_PRIORS,
  weigh,
} from '../../src/records/weights.ts';
import { parseMetadataCsv } from '../../src/ingest/metadata-csv.ts';
import { translator } from '../../src/i18n/catalogue.ts';
import { LEVELS } from '../../src/records/compare.ts';

const skeletons = (name: string) => nameTokens(name).map((t) => t.skeleton);

describe('names across scripts', () => {
  it('brings Cyrillic and its transliterations to one key', () => {
    expect(skeletons('Иванов Сергей Петрович')[0]).toBe(skeletons('IVANOV S.P.')[0]);
    expect(skeletons('Iwanow')).toEqual(skeletons('Иванов'));
    expect(skeletons('Ivanoff')).toEqual(skeletons('Иванов'));
    expect(skeletons('Сергій Коваль')).toEqual(skeletons('Serhii Koval'));
    expect(skeletons('Щербина')).toEqual(skeletons('Szczerbina'));
    expect(skeletons('Гнатюк')).toEqual(skeletons('Gnatyuk'));
    expect(skeletons('Ковалёв')).toEqual(skeletons('Kovalyov'));
    expect(skeletons('Ковалёв')).toEqual(skeletons('Ковалев'));
    expect(skeletons('Koval')).not.toEqual(skeletons('Kovalenko'));
  });

  it('reads initials as initials', () => {
    const t = nameTokens('IVANOV S.P.');
    expect(t.map((x) => x.initial)).toEqual([false, true, true]);
    expect(nameTokens('Иванов С. П.').map((x) => x.initial)).toEqual([false, true, true]);
    expect(nameTokens('Shevchenko Yu.').map((x) => [x.skeleton, x.initial])).toEqual([
      ['sevcenko', false],
      ['iu', true],
    ]);
  });

  it('knows given-name equivalents across Russian, Ukrainian and Latin spellings', () => {
    const sk = (w: string) => wordToken(w)!.skeleton;
    expect(givenNamesEquivalent(sk('Сергей'), sk('Сергій'))).toBe(true);
    expect(givenNamesEquivalent(sk('Сергій'), sk('Sergei'))).toBe(true);
    expect(givenNamesEquivalent(sk('Сергій'), sk('Serhii'))).toBe(true);
    expect(givenNamesEquivalent(sk('Александр'), sk('Олександр'))).toBe(true);
    expect(givenNamesEquivalent(sk('Николай'), sk('Mykola'))).toBe(true);
    expect(givenNamesEquivalent(sk('Николай'), sk('Сергей'))).toBe(false);
  });
});

describe('document numbers', () => {
  it('folds separators, case and Cyrillic look-alikes', () => {
    // "АВ" typed in the Cyrillic layout, with spaces and a dash, is the Latin AB123456.
    expect(foldIdNumber('АВ 123-456')).toBe('AB123456');
    expect(foldIdNumber('ab 123 456')).toBe('AB123456');
    expect(foldIdNumber('№ А 0536')).toBe('A0536');
  });

  it('agrees within one edit, and finds one-edit neighbours by a shared variant', () => {
    expect(idDistance('AB123456', 'AB123456')).toBe(0);
    expect(idDistance('AB123456', 'AB123457')).toBe(1);
    expect(idDistance('AB123456', 'AB124356')).toBe(1);
    expect(idDistance('AB123456', 'AB12345')).toBe(1);
    expect(idDistance('AB123456', 'AB654321')).toBe(2);
    const shared = (a: string, b: string) => idVariants(a).some((v) => idVariants(b).includes(v));
    expect(shared('AB123456', 'AB124356')).toBe(true);
    expect(shared('AB123456', 'AB123457')).toBe(true);
    expect(shared('AB123456', 'AB654321')).toBe(false);
  });
});

describe('birth dates', () => {
  const today = new Date('2026-12-02T00:00:00Z');
  it('reads a year, a month, a full date and the archive dotted form', () => {
    expect(readBirthDate('1999', today)).toEqual({ year: 1999 });
    expect(readBirthDate('1999-06', today)).toEqual({ year: 1999, month: 6 });
    expect(readBirthDate('21.06.1999', today)).toEqual({ year: 1999, month: 6, day: 21 });
  });
  it('refuses dates that cannot be a birth date, with the reason', () => {
    expect(readBirthDate('2027', today)).toMatchObject({ problem: 'is in the future', reason: 'future' });
    expect(readBirthDate('2026-12-03', today)).toMatchObject({ problem: 'is in the future', reason: 'future' });
    expect(readBirthDate('199', today)).toHaveProperty('problem');
    expect(readBirthDate('nineteen', today)).toMatchObject({ reason: 'not_a_date' });
    expect(readBirthDate('1999-02-30', today)).toMatchObject({
      problem: 'has a day that does not exist in that month',
      reason: 'no_such_day',
    });
    expect(readBirthDate('1850', today)).toMatchObject({ problem: 'is before 1900', reason: 'too_early' });
  });
  it('refuses a subject with a future birth date as invalid_subject', () => {
    expect(() => subjectRecord({ surname: 'Иванов', birthDate: '2999' }, today)).toThrow(
      expect.objectContaining({ code: 'invalid_subject' }),
    );
    expect(() => subjectRecord({ surname: 'Иванов', birthDate: '19x9' }, today)).toThrow(
      expect.objectContaining({ code: 'invalid_subject' }),
    );
    expect(() => subjectRecord({ surname: 42 })).toThrow(expect.objectContaining({ code: 'invalid_subject' }));
  });
});

describe('marks and units', () => {
  it('names a tattoo on the shoulder in three languages alike', () => {
    for (const text of ['татуировка на левом плече', 'тату на лівому плечі', 'tattoo, left shoulder']) {
      expect(markKeys(text)).toEqual({ kinds: ['tattoo'], parts: ['shoulder'] });
    }
    expect(markKeys('шрам на щеке').kinds).toEqual(['scar']);
  });
  it('keys units by their numbers', () => {
    expect(unitKeys('в/ч А0536')).toEqual(['0536']);
    expect(unitKeys('93 ОМБр')).toEqual(['93']);
  });
});

describe('levels and weights', () => {
  const u = uTable({});
  const score = (subject: Record<string, unknown>, metadata: Record<string, unknown>) =>
    totalWeight(weigh(compareRecords(subjectRecord(subject), archiveRecord(metadata)), u));

  it('"Иванов Сергей Петрович, 1999" agrees with "IVANOV S.P., 1999" on surname, initials and year', () => {
    const levels = compareRecords(
      subjectRecord({ surname: 'Иванов', givenName: 'Сергей', patronymic: 'Петрович', birthDate: '1999' }),
      archiveRecord({ names: ['IVANOV S.P.'], birthDate: '1999' }),
    );
    expect(levels).toEqual({ surname: 'same', givenName: 'initial', patronymic: 'initial', birthYear: 'same' });
  });

  it('"Сергій Коваль" agrees with "Serhii Koval" and "Sergei Koval" on both names', () => {
    for (const written of ['Serhii Koval', 'Sergei Koval', 'KOVAL Sergey']) {
      expect(
        compareRecords(subjectRecord({ surname: 'Коваль', givenName: 'Сергій' }), archiveRecord({ names: [written] })),
      ).toEqual({ surname: 'same', givenName: 'same' });
    }
    expect(
      compareRecords(
        subjectRecord({ surname: 'Коваль', givenName: 'Сергій' }),
        archiveRecord({ names: ['Mykola Kovalenko'] }),
      ),
    ).toEqual({ surname: 'different', givenName: 'different' });
  });

  it('ranks agreement above disagreement and a missing field as nothing', () => {
    const full = score(
      { surname: 'Коваль', givenName: 'Сергій', birthDate: '1990' },
      { names: ['Serhii Koval'], birthDate: '1990' },
    );
    const noYear = score({ surname: 'Коваль', givenName: 'Сергій', birthDate: '1990' }, { names: ['Serhii Koval'] });
    const offYear = score(
      { surname: 'Коваль', givenName: 'Сергій', birthDate: '1990' },
      { names: ['Serhii Koval'], birthDate: '1991' },
    );
    const wrongYear = score(
      { surname: 'Коваль', givenName: 'Сергій', birthDate: '1990' },
      { names: ['Serhii Koval'], birthDate: '1970' },
    );
    const other = score(
      { surname: 'Коваль', givenName: 'Сергій', birthDate: '1990' },
      { names: ['Mykola Kovalenko'], birthDate: '1970' },
    );
    expect(full).toBeGreaterThan(offYear);
    expect(offYear).toBeGreaterThan(noYear);
    expect(noYear).toBeGreaterThan(wrongYear);
    expect(wrongYear).toBeGreaterThan(other);
    expect(matchProbability(full, 1000)).toBeGreaterThan(matchProbability(noYear, 1000));
  });

  it('weighs a common surname less than a rare one', () => {
    const common = uTable({ surname: { total: 1000, levels: { same: 120 } } });
    const rare = uTable({ surname: { total: 1000, levels: { same: 1 } } });
    const lv = { surname: 'same' } as const;
    expect(weigh(lv, rare)[0]!.weight).toBeGreaterThan(weigh(lv, common)[0]!.weight + 3);
  });

  it('matches a dog-tag number typed with spaces and a Cyrillic letter', () => {
    expect(compareRecords(subjectRecord({ idNumber: 'А 123 456' }), archiveRecord({ idNumbers: ['A123456'] }))).toEqual(
      { idNumber: 'same' },
    );
    expect(compareRecords(subjectRecord({ idNumber: 'А 123 456' }), archiveRecord({ idNumbers: ['A123465'] }))).toEqual(
      { idNumber: 'one_edit' },
    );
  });
});

describe('the metadata CSV', () => {
  it('reads the person-record columns into the photo metadata, keyed like an upload', () => {
    const table = parseMetadataCsv(
      'file,names,birth_date,id_number,unit,marks\na.jpg,"IVANOV S.P.; Иванов Сергей",21.06.1999,АВ 123456; 77-12,в/ч А0536,татуировка на левом плече\n',
    );
    const meta = table.get('a.jpg')!;
    expect(meta).toMatchObject({
      names: ['IVANOV S.P.', 'Иванов Сергей'],
      birthDate: '21.06.1999',
      idNumbers: ['АВ 123456', '77-12'],
      unit: 'в/ч А0536',
      marks: 'татуировка на левом плече',
    });
    const record = archiveRecord(meta as Record<string, unknown>);
    expect(record.birth).toEqual({ year: 1999, month: 6, day: 21 });
    expect(record.idNumbers).toEqual(['AB123456', '7712']);
    expect(record.unit).toEqual(['0536']);
  });

  it('refuses a birth date that cannot be one, naming the row and not the value', () => {
    expect(() => parseMetadataCsv('file,birth_date\na.jpg,1999\nb.jpg,2999\n')).toThrow(
      /^metadata CSV row 3: birth_date is in the future$/,
    );
    expect(() => parseMetadataCsv('file,birth_date\na.jpg,19x9\n')).toThrow(
      expect.objectContaining({ code: 'invalid_metadata' }),
    );
  });
});

describe('the records message namespace', () => {
  it('names every evidence field and level in ru, uk and en, so a verifier reads words, not codes', () => {
    for (const lang of ['ru', 'uk', 'en'] as const) {
      const t = translator(lang);
      for (const [field, levels] of Object.entries(LEVELS)) {
        expect(t(`records:field_${field}`), `${lang} ${field}`).not.toBe(`field_${field}`);
        for (const level of levels) expect(t(`records:level_${level}`), `${lang} ${level}`).not.toBe(`level_${level}`);
      }
    }
    expect(translator('uk')('records:level_initial')).toBe('збігається ініціал');
  });
});

describe('m refined by confirmed pairs', () => {
  it('starts from the documented priors and moves towards what verifiers confirmed', () => {
    const none = mTable();
    for (const [field, levels] of Object.entries(M_PRIORS))
      for (const [level, p] of Object.entries(levels))
        expect((none as Record<string, Record<string, number>>)[field]![level]).toBeCloseTo(p, 12);
    // verifiers confirmed 80 pairs whose birth years were one apart, 20 the same: ±1 is common in this archive
    const m = mTable({ birthYear: { within_1: 80, same: 20 } });
    expect(m.birthYear.within_1).toBeGreaterThan(0.6);
    expect(m.birthYear.same).toBeLessThan(M_PRIORS.birthYear.same);
    expect(Object.values(m.birthYear).reduce((a, b) => a + b, 0)).toBeCloseTo(1, 6);
    expect(m.surname.same).toBeCloseTo(M_PRIORS.surname.same, 12);
  });
});

describe('u refined by rejected pairs', () => {
  it('lowers the weight of the levels rejected pairs agreed on, a little per rejection and at most 2 bits', () => {
    const u0 = uTable({});
    const weightOf = (u: ReturnType<typeof uTable>) => weigh({ surname: 'same', birthYear: 'same' }, u);
    const before = weightOf(u0);
    // five rejected pairs agreed on the surname: it weighs a fraction of a bit less, the birth year not at all
    const five = uTable({}, { surname: { same: 5 } });
    expect(five.surname.same).toBeCloseTo(U_PRIORS.surname.same * 1.25, 12);
    const after = weightOf(five);
    expect(before[0]!.weight - after[0]!.weight).toBeCloseTo(Math.log2(1.25), 2);
    expect(after[1]!.weight).toBe(before[1]!.weight);
    // a handful cannot swing it: no number of rejections takes more than log2(MAX_U_FACTOR) bits
    const many = weightOf(uTable({}, { surname: { same: 100_000 } }));
    expect(before[0]!.weight - many[0]!.weight).toBeCloseTo(Math.log2(MAX_U_FACTOR), 2);
    expect(many[0]!.weight).toBeGreaterThan(5);
    expect(rejectionFactor(0)).toBe(1);
    expect(rejectionFactor(-3)).toBe(1);
    // "different" stays what the agreeing levels leave
    expect(Object.values(five.surname).reduce((a, b) => a + b, 0)).toBeCloseTo(1, 6);
    // on top of the archive's own counts, not instead of them
    const counted = uTable({ surname: { total: 1000, levels: { same: 120 } } }, { surname: { same: 20 } });
    expect(counted.surname.same).toBeCloseTo(
      uTable({ surname: { total: 1000, levels: { same: 120 } } }).surname.same * 2,
      12,
    );
    // the face's u are measured false-match rates, never moved
    expect(uTable({}, { face: { strong: 50 } }).face.strong).toBe(U_PRIORS.face.strong);
  });
});
