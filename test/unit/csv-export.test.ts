import { parse } from 'csv-parse/sync';
import { describe, expect, it } from 'vitest';
import { csvCell, toCsv } from '../../src/export/csv.ts';

describe('CSV export', () => {
  it('turns cells a spreadsheet would run as formulas into text', () => {
    for (const v of ['=HYPERLINK("http://x","y")', '+1+1', '-2+3', '@SUM(A1)', '\t=1'])
      expect(csvCell(v).replace(/^"/, '')).toMatch(/^'/);
    expect(csvCell('IMG_0001.jpg')).toBe('IMG_0001.jpg');
    expect(csvCell(-5)).toBe("'-5");
  });
  it('quotes commas, quotes and line breaks so the file reads back cell for cell', () => {
    const rows = [
      ['a,b', 'say "hi"', 'two\nlines'],
      ['=1+1', '', 'Коваль С.П.'],
    ];
    const text = toCsv(['x', 'y', 'z'], rows);
    const back = parse(text, { columns: false }) as string[][];
    expect(back).toEqual([
      ['x', 'y', 'z'],
      ['a,b', 'say "hi"', 'two\nlines'],
      ["'=1+1", '', 'Коваль С.П.'],
    ]);
  });
  it('leaves no formula cell to a reader that splits on ";" (ru/uk Excel) or ignores quotes (issue 28, finding 6)', () => {
    const names = [
      'a;=2+5;.jpg',
      '=HYPERLINK("http://x.example/?q","y")',
      '+1',
      '-1+2',
      '@SUM(1)',
      'x,=1+1',
      'y;\t=1',
      'two\n=1+1',
      'z;"=1+1"',
    ];
    const text = toCsv(
      ['file', 'code'],
      names.map((n) => [n, 'unsupported_format']),
    );
    for (const delimiter of [',', ';']) {
      const cells = (parse(text, { delimiter, quote: false, relax_column_count: true }) as string[][]).flat();
      expect(
        cells.filter((c) => /^[=+\-@\t\r]/.test(c.replace(/^[\s"]+/, ''))),
        delimiter,
      ).toEqual([]);
    }
    // Still RFC 4180 for a ',' reader; the name readable, an apostrophe before each formula part.
    const back = (parse(text, { columns: true }) as Array<Record<string, string>>).map((r) => r.file);
    expect(back[0]).toBe("a;'=2+5;.jpg");
    expect(back.map((b) => b!.replace(/(^|[,;\s"])'/g, '$1'))).toEqual(names);
    expect(csvCell('IMG_0001;2.jpg')).toBe('"IMG_0001;2.jpg"');
  });
});
