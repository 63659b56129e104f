import { describe, expect, it } from 'vitest';
import { KinfinderError } from '../../src/errors.ts';
import {
  isIsoDate,
  MetadataMatcher,
  metadataFor,
  MetadataTable,
  parseCsvRecords,
  parseMetadataCsv,
} from '../../src/ingest/metadata-csv.ts';

function errorOf(fn: () => unknown): KinfinderError {
  try {
    fn();
  } catch (err) {
    if (err instanceof KinfinderError) return err;
    throw err;
  }
  throw new Error('expected an error');
}

describe('parseCsvRecords (RFC 4180)', () => {
  it('handles quotes, "" escapes, commas and newlines inside quotes, CRLF, and a BOM', () => {
    const text = '\uFEFFa,"b, ""quoted""",c\r\n"multi\r\nline",,"x"\r\nlast,row,here';
    const records = parseCsvRecords(text);
    expect(records.map((r) => r.fields)).toEqual([
      ['a', 'b, "quoted"', 'c'],
      ['multi\r\nline', '', 'x'],
      ['last', 'row', 'here'],
    ]);
    expect(records.map((r) => r.line)).toEqual([1, 2, 4]);
  });

  it('ends records on LF or a lone CR and does not invent a record for a final newline', () => {
    expect(parseCsvRecords('a,b\nc,d\re,f\n').map((r) => r.fields)).toEqual([
      ['a', 'b'],
      ['c', 'd'],
      ['e', 'f'],
    ]);
    expect(parseCsvRecords('a,\n').map((r) => r.fields)).toEqual([['a', '']]);
    expect(parseCsvRecords('')).toEqual([]);
  });

  it('takes a stray quote inside an unquoted field literally, tolerates spaces around a quoted field', () => {
    expect(parseCsvRecords('5" print,  "x" ,y').map((r) => r.fields)).toEqual([['5" print', 'x', 'y']]);
  });

  it('numbers lines right after CRLFs inside quotes, and mixes LF, CRLF and CR', () => {
    const text = 'file,notes\r\na.jpg,"x\r\ny\r\nz"\nb.jpg,"p\rq"\rc.jpg,r\r\n\r\nd.jpg';
    const records = parseCsvRecords(text);
    expect(records.map((r) => r.fields)).toEqual([
      ['file', 'notes'],
      ['a.jpg', 'x\r\ny\r\nz'],
      ['b.jpg', 'p\rq'],
      ['c.jpg', 'r'],
      [''],
      ['d.jpg'],
    ]);
    expect(records.map((r) => r.line)).toEqual([1, 2, 5, 7, 8, 9]);
    const broken = errorOf(() => parseCsvRecords('file,notes\r\na.jpg,"x\r\ny"\r\nb.jpg,"bad"q\r\n'));
    expect(broken.message).toMatch(/line 4: text after the closing quote/);
  });

  it('rejects an unclosed quote and text after a closing quote, naming the line', () => {
    const unclosed = errorOf(() => parseCsvRecords('file\n"a.jpg\nb.jpg\n'));
    expect(unclosed.code).toBe('invalid_metadata');
    expect(unclosed.message).toMatch(/line 2: a quoted field is never closed/);
    const after = errorOf(() => parseCsvRecords('file\n\n"a.jpg"x\n'));
    expect(after.code).toBe('invalid_metadata');
    expect(after.message).toMatch(/line 3: text after the closing quote/);
  });
});

describe('parseMetadataCsv', () => {
  it('reads known columns, keeps other columns in extra, omits empty cells', () => {
    const csv = [
      '\uFEFF File , Captured_At,location,notes,names,unit,Photographer',
      'batch3/IMG_001.jpg,1944-06-21,"Kharkiv, near the station","Line one\nline two"," Ivan Petrenko ; ;Olena K.;",72nd brigade,',
      'IMG_002.jpg,,,,,,',
      '',
      ',,,,,,',
      'IMG_003.jpg,1944,,,  ;  ,,M. S.',
    ].join('\r\n');
    const map = parseMetadataCsv(csv);
    expect([...map.keys()]).toEqual(['batch3/IMG_001.jpg', 'IMG_002.jpg', 'IMG_003.jpg']);
    expect(map.get('batch3/IMG_001.jpg')).toEqual({
      capturedAt: '1944-06-21',
      location: 'Kharkiv, near the station',
      notes: 'Line one\nline two',
      names: ['Ivan Petrenko', 'Olena K.'],
      // a person-record column since issue 14
      unit: '72nd brigade',
    });
    expect(map.get('IMG_002.jpg')).toEqual({});
    expect(map.get('IMG_003.jpg')).toEqual({ capturedAt: '1944', extra: { Photographer: 'M. S.' } });
  });

  it('normalises file paths: backslashes, ./ and doubled slashes', () => {
    const map = parseMetadataCsv('file,notes\n.\\batch3\\\\IMG_001.jpg,n\n');
    expect([...map.keys()]).toEqual(['batch3/IMG_001.jpg']);
  });

  it('finds the header after blank rows and counts rows as a spreadsheet does', () => {
    const map = parseMetadataCsv('\n,\nfile,captured_at\na.jpg,1944\n');
    expect([...map]).toEqual([['a.jpg', { capturedAt: '1944' }]]);
    expect(errorOf(() => parseMetadataCsv('\n,\nfile,captured_at\na.jpg,1944\nb.jpg,soon')).message).toMatch(
      /row 5: captured_at/,
    );
  });

  it('accepts fewer cells than columns, and trailing empty cells beyond them', () => {
    const map = parseMetadataCsv('file,location,notes\na.jpg,Lviv\nb.jpg,,,,\n');
    expect(map.get('a.jpg')).toEqual({ location: 'Lviv' });
    expect(map.get('b.jpg')).toEqual({});
  });

  it.each([
    ['', /the CSV is empty/],
    ['\n,,\n', /the CSV is empty/],
    ['\n\nname\na.jpg', /row 3: the header has no `file` column/],
    ['name,notes\na.jpg,x', /row 1: the header has no `file` column/],
    ['file,File\na.jpg,b.jpg', /row 1: column "File" appears twice \(columns 1 and 2\)/],
    ['file,notes\na.jpg,x\nb.jpg,y\n./a.jpg,z', /row 4: repeats the file of row 2/],
    ['file,notes\nsub\\a.jpg,x\nsub/a.jpg,y', /row 3: repeats the file of row 2/],
    ['file,notes\n,only a note', /row 2: the file cell is empty/],
    ['file\n"",', /row 2: the file cell is empty/],
    ['file\n/./', /row 2: the file cell is not a usable path/],
    ['file,notes\na.jpg,x,surprise', /row 2: has 3 cells but the header has 2 columns/],
    ['file,,notes\na.jpg,orphan,x', /row 2: a value in column 2, which has no header/],
    ['file,captured_at\na.jpg,2023-02-29', /row 2: captured_at is not a date/],
    [
      'file,notes,captured_at\na.jpg,"two\nlines",1944-06-21\nb.jpg,,yesterday',
      /row 3 \(line 4\): captured_at is not a date/,
    ],
  ])('rejects %j', (csv, message) => {
    const err = errorOf(() => parseMetadataCsv(csv));
    expect(err.code).toBe('invalid_metadata');
    expect(err.message).toMatch(message);
  });

  it('keeps cells that a spreadsheet would take for formulas as the literal text', () => {
    const formulas = ['=HYPERLINK("http://x.example/","click")', '+380 44 123 4567', '-1944', '@SUM(A1:A9)', '=1+2'];
    const csv = [
      'file,location,notes,names,unit',
      `a.jpg,${formulas[1]},"${formulas[0]!.replace(/"/g, '""')}",${formulas[3]};${formulas[4]},${formulas[2]}`,
    ].join('\n');
    expect(parseMetadataCsv(csv).get('a.jpg')).toEqual({
      location: '+380 44 123 4567',
      notes: '=HYPERLINK("http://x.example/","click")',
      names: ['@SUM(A1:A9)', '=1+2'],
      unit: '-1944',
    });
  });

  it('remembers the spreadsheet row of every file', () => {
    const table = parseMetadataCsv('\nfile,notes\na.jpg,"two\nlines"\n\nsub\\b.jpg,x\n');
    expect(table).toBeInstanceOf(MetadataTable);
    expect([table.rowOf('a.jpg'), table.rowOf('sub/b.jpg'), table.rowOf('c.jpg')]).toEqual([3, 5, undefined]);
  });

  it('never puts a cell value in an error message', () => {
    const err = errorOf(() => parseMetadataCsv('file,captured_at\nIvan_Petrenko.jpg,Ivan Petrenko'));
    expect(err.message).toMatch(/row 2/);
    expect(err.message).not.toMatch(/Petrenko/);
  });
});

describe('isIsoDate', () => {
  it.each([
    '1944',
    '1944-06',
    '1944-06-21',
    '2024-02-29',
    '2000-02-29',
    '1944-06-21T14:30',
    '1944-06-21T14:30:05',
    '1944-06-21 14:30:05.250',
    '1944-06-21T14:30:05Z',
    '1944-06-21T14:30+03:00',
    '1944-06-21T14:30:05-0230',
  ])('accepts %s', (value) => {
    expect(isIsoDate(value)).toBe(true);
  });

  it.each([
    'yesterday',
    '21.06.1944',
    '06/21/1944',
    '1944-6-21',
    '1944-13-01',
    '1944-00-10',
    '1944-06-31',
    '1900-02-29',
    '2023-02-29',
    '1944-06-00',
    '1944-06-21T24:00',
    '1944-06-21T14:60',
    '1944-06-21T14:30:61',
    '1944-06-21T14',
    '1944-06-21T14:30+25:00',
    '1944-06-21T14:30 ',
    '19440621',
  ])('rejects %s', (value) => {
    expect(isIsoDate(value)).toBe(false);
  });
});

describe('metadataFor', () => {
  const map = parseMetadataCsv(
    [
      'file,notes',
      'IMG_001.jpg,bare',
      'batch3/IMG_001.jpg,batch3',
      'IMG_002.jpg,two',
      '/mnt/usb/batch9/IMG_009.jpg,absolute',
      'field.zip!inner/IMG_010.jpg,zipped',
    ].join('\n'),
  );
  const notes = (item: string) => metadataFor(map, item)?.notes;

  it('prefers the longest path-segment suffix', () => {
    expect(notes('/mnt/usb/batch3/IMG_001.jpg')).toBe('batch3');
    expect(notes('field.zip!batch3/IMG_001.jpg')).toBe('batch3');
    expect(notes('/mnt/usb/batch4/IMG_001.jpg')).toBe('bare');
    expect(notes('IMG_001.jpg')).toBe('bare');
    expect(notes('photos/IMG_002.jpg')).toBe('two');
    expect(notes('archive.zip!deep/er/IMG_002.jpg')).toBe('two');
  });

  it('matches an absolute CSV path only by the whole path', () => {
    expect(notes('/mnt/usb/batch9/IMG_009.jpg')).toBe('absolute');
    expect(notes('batch9/IMG_009.jpg')).toBeUndefined();
    expect(notes('/media/usb/batch9/IMG_009.jpg')).toBeUndefined();
  });

  it('matches an archive entry by its full name or by a suffix crossing the archive', () => {
    expect(notes('field.zip!inner/IMG_010.jpg')).toBe('zipped');
    expect(notes('/data/field.zip!inner/IMG_010.jpg')).toBe('zipped');
    expect(notes('other.zip!inner/IMG_010.jpg')).toBeUndefined();
  });

  it('matches whole segments only, with case', () => {
    expect(notes('photos/XIMG_002.jpg')).toBeUndefined();
    expect(notes('photos/img_002.jpg')).toBeUndefined();
    expect(notes('photos/IMG_002.jpg.bak')).toBeUndefined();
    expect(notes('photos/IMG_002.jpg/')).toBe('two');
  });
});

describe('MetadataMatcher', () => {
  it('reports rows matched by several items, and rows matched by none', () => {
    const map = parseMetadataCsv(
      'file,notes\nIMG_001.jpg,bare\nbatch3/IMG_002.jpg,b3\nIMG_404.jpg,lost\nIMG_005.jpg,five',
    );
    const m = new MetadataMatcher(map);
    expect(m.match('a/IMG_001.jpg')?.notes).toBe('bare');
    expect(m.match('x.zip!b/IMG_001.jpg')?.notes).toBe('bare');
    expect(m.match('a/IMG_001.jpg')?.notes).toBe('bare'); // the same item again is not ambiguity
    expect(m.match('c/batch3/IMG_002.jpg')?.notes).toBe('b3');
    expect(m.match('IMG_005.jpg')?.notes).toBe('five');
    expect(m.match('unknown.jpg')).toBeUndefined();
    expect(m.ambiguous()).toEqual([{ file: 'IMG_001.jpg', items: ['a/IMG_001.jpg', 'x.zip!b/IMG_001.jpg'] }]);
    expect(m.unmatched()).toEqual(['IMG_404.jpg']);
  });

  it('reports a whole run for its summary: rows, matches, unmatched and ambiguous rows with their row numbers', () => {
    const csv = [
      'file,notes',
      'IMG_001.jpg,bare', // row 2: matched by two items, which is ambiguous
      'batch3\\IMG_002.jpg,b3', // row 3: normalised to batch3/IMG_002.jpg
      '',
      'IMG_404.jpg,typo', // row 5: no item
      'batch4/IMG_001.jpg,b4', // row 6: the longer path wins for batch4 items
      'zip.zip!IMG_009.jpg,z', // row 7: no item
    ].join('\r\n');
    const items = [
      'batch4/IMG_001.jpg',
      'a/IMG_001.jpg',
      'x.zip!b/IMG_001.jpg',
      'c/batch3/IMG_002.jpg',
      'other.jpg',
      'a/IMG_001.jpg',
    ];
    const m = new MetadataMatcher(parseMetadataCsv(csv));
    expect(items.map((i) => m.match(i)?.notes)).toEqual(['b4', 'bare', 'bare', 'b3', undefined, 'bare']);
    expect(m.report()).toEqual({
      rows: 5,
      matchedRows: 3,
      matchedItems: 4,
      unmatched: [
        { file: 'IMG_404.jpg', row: 5 },
        { file: 'zip.zip/IMG_009.jpg', row: 7 },
      ],
      ambiguous: [{ file: 'IMG_001.jpg', row: 2, items: ['a/IMG_001.jpg', 'x.zip!b/IMG_001.jpg'] }],
    });
  });

  it('gives the same answer as metadataFor, and an empty report before any match', () => {
    const table = parseMetadataCsv('file,notes\nIMG_001.jpg,bare\nbatch3/IMG_001.jpg,b3');
    const m = new MetadataMatcher(table);
    expect(m.report()).toEqual({
      rows: 2,
      matchedRows: 0,
      matchedItems: 0,
      unmatched: [
        { file: 'IMG_001.jpg', row: 2 },
        { file: 'batch3/IMG_001.jpg', row: 3 },
      ],
      ambiguous: [],
    });
    for (const item of ['/mnt/batch3/IMG_001.jpg', 'IMG_001.jpg', 'batch9/IMG_001.jpg', 'nothing.jpg']) {
      expect(m.match(item)).toBe(metadataFor(table, item));
    }
  });

  it('reports without row numbers for a map not made by parseMetadataCsv', () => {
    const m = new MetadataMatcher(
      new Map([
        ['a.jpg', { notes: 'x' }],
        ['b.jpg', {}],
      ]),
    );
    expect(m.match('dir/a.jpg')?.notes).toBe('x');
    expect(m.match('other/a.jpg')?.notes).toBe('x');
    expect(m.report()).toEqual({
      rows: 2,
      matchedRows: 1,
      matchedItems: 2,
      unmatched: [{ file: 'b.jpg' }],
      ambiguous: [{ file: 'a.jpg', items: ['dir/a.jpg', 'other/a.jpg'] }],
    });
  });

  it('cannot see two rows tie for one item: equally long tails are the same path, refused when parsed', () => {
    const err = errorOf(() => parseMetadataCsv('file,notes\nbatch3/IMG_001.jpg,a\n./batch3//IMG_001.jpg,b'));
    expect(err.message).toMatch(/row 3: repeats the file of row 2/);
  });
});

describe('archive persons columns (issue 26)', () => {
  it('reads person_ref and an event, neither kept in extra', () => {
    const t = parseMetadataCsv(
      [
        'file,person_ref,event,event_date,event_place,event_source',
        'a.jpg,P-17,Released,2024-05-19,exchange,list 12',
        'b.jpg,P-17,,,,',
      ].join('\n'),
    );
    expect(t.get('a.jpg')).toEqual({
      personRef: 'P-17',
      event: { kind: 'released', date: '2024-05-19', place: 'exchange', source: 'list 12' },
    });
    expect(t.get('b.jpg')).toEqual({ personRef: 'P-17' });
  });

  it('refuses an unknown event kind, a date that is not YYYY[-MM[-DD]], and half an event, naming the row', () => {
    expect(errorOf(() => parseMetadataCsv('file,event,event_date\na.jpg,escaped,2024')).message).toMatch(
      /row 2: event must be one of captured, held, released, died, remains_returned/,
    );
    expect(errorOf(() => parseMetadataCsv('file,event,event_date\na.jpg,died,19.05.2024')).message).toMatch(
      /row 2: event_date is not a date/,
    );
    expect(errorOf(() => parseMetadataCsv('file,event,event_date\na.jpg,died,2024-02-30')).message).toMatch(
      /row 2: event_date is not a date/,
    );
    expect(errorOf(() => parseMetadataCsv('file,event_date\na.jpg,2024')).message).toMatch(
      /row 2: an event needs both event and event_date/,
    );
  });
});
