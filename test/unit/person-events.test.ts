import { describe, expect, it } from 'vitest';
import { eventState, familyHistory, statusChanges } from '../../src/persons/events.ts';
import { recordsDisagree } from '../../src/records/compare.ts';
import { archiveRecord } from '../../src/records/record.ts';
import type { PersonEventRow } from '../../src/store/person-events.ts';

// The rules of what became of an archive person (issue 26): when an event reaches families, his
// status and history as they read it, when a change is news; and when two records are two men.

let n = 0;
function event(
  kind: PersonEventRow['kind'],
  date: string,
  approvals: string[] = [],
  rejectedBy: string[] = [],
): PersonEventRow {
  n++;
  return {
    id: `e${n}`,
    personId: 'p',
    kind,
    date,
    place: null,
    source: 'internal',
    createdAt: new Date(Date.UTC(2026, 0, n)),
    approvedBy: approvals.map((a) => a.split('@')[0]!),
    rejectedBy,
    approvedAt: approvals.map((a) => new Date(a.split('@')[1] ?? '2026-01-01T00:00:00Z')),
  };
}

describe('person events', () => {
  it('one approval makes an event approved, a death needs two people, a rejection keeps it back', () => {
    expect(eventState(event('released', '2024', []))).toBe('awaiting');
    expect(eventState(event('released', '2024', ['v1']))).toBe('approved');
    expect(eventState(event('died', '2024', ['v1']))).toBe('awaiting');
    expect(eventState(event('died', '2024', ['v1', 'v1']))).toBe('awaiting');
    expect(eventState(event('died', '2024', ['v1', 'v2']))).toBe('approved');
    expect(eventState(event('released', '2024', ['v1'], ['v2']))).toBe('rejected');
  });

  it('the history holds approved events only, newest first by date; the status is the newest', () => {
    const h = familyHistory([
      event('captured', '2024-03', ['v1']),
      event('released', '2024-05-19', ['v1']),
      event('died', '2024-06', ['v1']),
      { ...event('held', '2024-04', ['v1']), place: 'Olenivka' },
    ]);
    expect(h.status).toBe('released');
    expect(h.history).toEqual([
      { kind: 'released', date: '2024-05-19' },
      { kind: 'held', date: '2024-04', place: 'Olenivka' },
      { kind: 'captured', date: '2024-03' },
    ]);
    expect(familyHistory([event('captured', '2024', [])])).toEqual({ status: null, history: [] });
  });

  it('a change of status after the family was answered is news; an older event approved later is not', () => {
    const since = new Date('2026-02-01T00:00:00Z');
    const events = [
      event('captured', '2024-03', ['v1@2026-01-15T00:00:00Z']),
      event('released', '2024-05', ['v1@2026-02-10T00:00:00Z']),
      event('held', '2024-04', ['v2@2026-02-20T00:00:00Z']),
    ];
    expect(statusChanges(events, since)).toEqual([new Date('2026-02-10T00:00:00Z')]);
  });
});

describe('recordsDisagree', () => {
  const r = (m: Record<string, unknown>) => archiveRecord(m);
  it('two men: birth years two apart, different document numbers, surnames that agree in no way', () => {
    expect(recordsDisagree(r({ birthDate: '1990' }), r({ birthDate: '1992' }))).toBe(true);
    expect(recordsDisagree(r({ idNumbers: ['AB123456'] }), r({ idNumbers: ['XY987654'] }))).toBe(true);
    expect(recordsDisagree(r({ names: ['Koval Serhii'] }), r({ names: ['Melnyk Taras'] }))).toBe(true);
  });
  it('not disagreeing: missing fields, a year apart, one edit, a name in another script', () => {
    expect(recordsDisagree(r({}), r({ names: ['Koval'], birthDate: '1990' }))).toBe(false);
    expect(recordsDisagree(r({ birthDate: '1990' }), r({ birthDate: '1991' }))).toBe(false);
    expect(recordsDisagree(r({ idNumbers: ['AB123456'] }), r({ idNumbers: ['AB123457'] }))).toBe(false);
    expect(recordsDisagree(r({ names: ['Коваль Сергій'] }), r({ names: ['KOVAL S.'] }))).toBe(false);
  });
});
