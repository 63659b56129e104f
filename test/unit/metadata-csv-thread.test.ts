// Issue 28, finding 4: a big metadata CSV parsed on the main thread left /healthz silent for a
// minute. Now a CSV over 256 kB parses on a thread of its own: the event loop keeps turning while
// it does (asserted by counting turns, not by timing), with the same table and the same errors.
import { describe, expect, it } from 'vitest';
import { isKinfinderError } from '../../src/errors.ts';
import { parseMetadataCsv } from '../../src/ingest/metadata-csv.ts';
import {
  checkCsvSize,
  DEFAULT_MAX_CSV_BYTES,
  parseMetadataCsvOffThread,
} from '../../src/ingest/metadata-csv-thread.ts';

function bigCsv(rows: number, bad?: number): string {
  const lines = ['file,captured_at,location,names,notes'];
  for (let i = 0; i < rows; i++)
    lines.push(
      `box${i % 50}/IMG_${i}.jpg,${i === bad ? '1944-13-45' : '1944-06-21'},Kharkiv,"Bondar O.; Koval P.",found in folder ${i} of the regional archive`,
    );
  return `${lines.join('\n')}\n`;
}

/** Runs `work` while counting event-loop turns (setImmediate callbacks) until it settles. */
async function turnsDuring<T>(work: () => Promise<T>): Promise<{ turns: number; result: PromiseSettledResult<T> }> {
  let turns = 0;
  let done = false;
  const spin = () => {
    if (done) return;
    turns++;
    setImmediate(spin);
  };
  const p = work();
  setImmediate(spin);
  const [result] = await Promise.allSettled([p]);
  done = true;
  return { turns, result };
}

describe('metadata CSV off the event loop', () => {
  it(
    'parses a 9 MB CSV on a thread while the event loop keeps turning, to the same table',
    { timeout: 60_000 },
    async () => {
      const text = bigCsv(100_000);
      expect(text.length).toBeGreaterThan(8 * 1024 * 1024);
      const { turns, result } = await turnsDuring(() => parseMetadataCsvOffThread(text));
      expect(result.status).toBe('fulfilled');
      // On the main thread the parse would finish before a single turn.
      expect(turns).toBeGreaterThan(0);
      const table = (result as PromiseFulfilledResult<Awaited<ReturnType<typeof parseMetadataCsvOffThread>>>).value;
      const inline = parseMetadataCsv(text);
      expect(table.size).toBe(100_000);
      expect([...table.entries()].slice(-3)).toEqual([...inline.entries()].slice(-3));
      expect(table.rowOf('box9/IMG_99999.jpg')).toBe(inline.rowOf('box9/IMG_99999.jpg'));
    },
  );

  it('names the bad row of a big CSV exactly as the parser does', { timeout: 60_000 }, async () => {
    const text = bigCsv(20_000, 15_000);
    const err = await parseMetadataCsvOffThread(text).catch((e: unknown) => e);
    expect(isKinfinderError(err) && err.code).toBe('invalid_metadata');
    const inline = (() => {
      try {
        parseMetadataCsv(text);
      } catch (e) {
        return e;
      }
    })();
    expect((err as Error).message).toBe((inline as Error).message);
  });

  it('refuses a CSV over the cap as file_too_large before parsing it', () => {
    expect(() => checkCsvSize(DEFAULT_MAX_CSV_BYTES, DEFAULT_MAX_CSV_BYTES)).not.toThrow();
    const err = (() => {
      try {
        checkCsvSize(240 * 1024 * 1024, DEFAULT_MAX_CSV_BYTES);
      } catch (e) {
        return e;
      }
    })();
    expect(isKinfinderError(err) && err.code).toBe('file_too_large');
    expect((err as Error).message).toMatch(/KINFINDER_MAX_CSV_MB/);
  });
});
