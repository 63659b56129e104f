import { parse } from 'csv-parse/sync';
import { describe, expect, it } from 'vitest';
import { csvCell, toCsv } from '../../src/export/csv.ts';

describe('CSV export', () => {
  it('turns cells a spreadsheet would run as formulas into text', () => {
    for (const v of ['=HYPERLINK("http://x","y")', '+1+1', '-2+3', '@SUM(A1)', '\t=1']) expect(csvCell(v).replace(/^"/, '')).toMatch(/^'/);
    expect(csvCell('IMG_0001.jpg')).toBe('IMG_0001.jpg');
    expect(csvCell(-5)).toBe("'-5");
  });
  it('quotes commas, quotes and line breaks so the file reads back cell for cell', () => {
    const rows = [['a,b', 'say "hi"', 'two\nlines'], ['=1+1', '', 'Коваль С.П.']];
    const text = toCsv(['x', 'y', 'z'], rows);
    const back = parse(text, { columns: false }) as string[][];
    expect(back).toEqual([['x', 'y', 'z'], ['a,b', 'say "hi"', 'two\nlines'], ["'=1+1", '', 'Коваль С.П.']]);
  });
});
