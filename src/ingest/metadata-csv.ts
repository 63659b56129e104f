/**
 * `--metadata file.csv`: what is known about each photo, matched to input items by path.
 *
 * The CSV (RFC 4180, read by csv-parse: quoted fields, `""` escapes, commas and newlines inside
 * quotes, CRLF, LF or CR, an optional UTF-8 BOM) needs a header row with a `file` column. Known columns: `captured_at`,
 * `location`, `notes`, `names` (`;`-separated), and the person record's `birth_date`, `id_number`
 * (`;`-separated), `unit`, `marks` (DESIGN §11); the archive person's `person_ref` and an event of
 * his, `event`, `event_date`, `event_place`, `event_source` (DESIGN §16). Header names are matched without regard to case
 * or surrounding spaces. Every other named column is kept in `extra`. Cells are trimmed; empty
 * cells are left out; rows whose cells are all empty are skipped (also before the header). Cells
 * are kept as text, never evaluated: `=HYPERLINK(…)`, `+380…`, `-`, `@home` are stored as written
 * (whoever exports them to a spreadsheet again must escape them there).
 *
 * Errors are KinfinderError `invalid_metadata` naming the row (spreadsheet numbering: row 1 is
 * the first record, blank ones counted; the text line is added when a quoted newline makes it
 * differ) and the column, never a cell's value (cells may hold names of people).
 *
 * Matching an input item to a row (`metadataFor`): both the item name and the CSV `file` are cut
 * into path segments at `/`, `\` and `!` (the archive separator in `field.zip!batch3/a.jpg`),
 * dropping empty and `.` segments. A row matches when its segments are the trailing segments of
 * the item's; the row with the most segments wins. So `IMG_001.jpg`, `batch3/IMG_001.jpg` and
 * `/mnt/usb/batch3/IMG_001.jpg` all match the item `/mnt/usb/batch3/IMG_001.jpg`, and
 * `batch3/IMG_001.jpg` is preferred over `IMG_001.jpg` when the CSV has both. Matching is
 * case-sensitive. Two rows never tie (rows with the same segments are rejected as duplicates).
 * A row can still match several items (`IMG_001.jpg` and items `a/IMG_001.jpg`, `b/IMG_001.jpg`):
 * `MetadataMatcher` records that, and rows that matched nothing, so the run can report them.
 */
import { CsvError, parse, type InfoRecord } from 'csv-parse/sync';
import { KinfinderError } from '../errors.ts';
import { readBirthDate } from '../records/birth-date.ts';
import { CATEGORIES, PERSON_EVENT_KINDS, type Category, type PersonEventKind } from '../vocabulary.ts';

export type PhotoMetadata = {
  /** Person-record columns (DESIGN §11): `birth_date`, `id_number` (`;`-separated), `unit`, `marks`. */
  birthDate?: string;
  idNumbers?: string[];
  unit?: string;
  marks?: string;
  capturedAt?: string;
  location?: string;
  notes?: string;
  names?: string[];
  /** The `category` column (DESIGN §12): the photo's category, not kept in its metadata. */
  category?: Category;
  /**
   * `person_ref` (DESIGN §16): rows with the same value are one archive person, in this batch and
   * any later one (the ref is the installation's). Not kept in the photo's metadata.
   */
  personRef?: string;
  /**
   * `event`, `event_date`, `event_place`, `event_source` (DESIGN §16): what became of the person,
   * entered with the photo (kind captured|held|released|died|remains_returned, date YYYY[-MM[-DD]]).
   * It reaches families only once verifiers approve it. Not kept in the photo's metadata.
   */
  event?: { kind: PersonEventKind; date: string; place?: string; source?: string };
  extra?: Record<string, string>;
};

type CsvRecord = { fields: string[]; line: number; quoted: boolean };

/** What csv-parse hands `on_record` with `raw` on (its types do not say so). */
type RawRecord = { record: string[]; raw: string };

/**
 * RFC 4180 records (csv-parse), each with the text line it starts on. Records end at CRLF, LF or a
 * lone CR, mixed freely (spreadsheets on different systems write different ones). A stray quote
 * inside an unquoted field is taken literally; spaces around a quoted field are dropped (as are
 * spaces around unquoted fields: the cells are trimmed anyway). Cells are strings, never
 * interpreted: `=SUM(A1)` stays that text.
 */
export function parseCsvRecords(text: string): CsvRecord[] {
  // Bytes, so that csv-parse's byte offsets (`context.bytes`) can be turned into line numbers; its
  // own line count is off after a CRLF inside quotes.
  const input = Buffer.from(text, 'utf8');
  const lineAt = lineIndex(input);
  const records: CsvRecord[] = [];
  let start = 0; // byte offset where the next record begins
  const onRecord = (rec: RawRecord, context: InfoRecord): null => {
    // A record of empty cells is blank unless one of them was written as `""`.
    records.push({ fields: rec.record, line: lineAt(start), quoted: rec.raw.includes('"') });
    start = context.bytes;
    return null; // collected here, nothing for csv-parse to keep
  };
  try {
    parse(input, {
      bom: true,
      raw: true,
      relax_quotes: true,
      relax_column_count: true,
      skip_empty_lines: false, // blank rows are counted, as a spreadsheet numbers them
      ltrim: true,
      rtrim: true,
      record_delimiter: ['\r\n', '\n', '\r'],
      on_record: onRecord as unknown as (record: string[], context: InfoRecord) => null,
    });
  } catch (err) {
    if (!(err instanceof CsvError)) throw err;
    // Named by the line the broken record starts on. csv-parse's own message is not passed on:
    // it can quote the input, and cells may hold names of people.
    const line = lineAt(start);
    switch (err.code) {
      case 'CSV_QUOTE_NOT_CLOSED':
        throw invalid(`line ${line}: a quoted field is never closed`);
      case 'CSV_NON_TRIMABLE_CHAR_AFTER_CLOSING_QUOTE':
      case 'CSV_INVALID_CLOSING_QUOTE':
        throw invalid(`line ${line}: text after the closing quote of a quoted field`);
      default:
        throw invalid(`line ${line}: not valid CSV (${err.code})`);
    }
  }
  return records;
}

/** Byte offset → 1-based line number; CRLF, LF and a lone CR each end a line. */
function lineIndex(bytes: Buffer): (offset: number) => number {
  const starts: number[] = []; // offsets where lines 2, 3, … begin
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i];
    if (b === 0x0a || (b === 0x0d && bytes[i + 1] !== 0x0a)) starts.push(i + 1);
  }
  return (offset) => {
    let lo = 0,
      hi = starts.length; // count of line starts ≤ offset
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (starts[mid]! <= offset) lo = mid + 1;
      else hi = mid;
    }
    return lo + 1;
  };
}

const KNOWN = new Set([
  'file',
  'captured_at',
  'location',
  'notes',
  'names',
  'category',
  'person_ref',
  'event',
  'event_date',
  'event_place',
  'event_source',
]);
/** The person record's columns (issue 14), known like the others. */
const RECORD_COLUMNS = new Set(['birth_date', 'id_number', 'unit', 'marks']);

/**
 * The rows of a metadata CSV by normalised `file` key, in CSV order (a Map, so it can be used as
 * one), remembering each key's row number for reports.
 */
export class MetadataTable extends Map<string, PhotoMetadata> {
  private readonly rows = new Map<string, number>();

  /** Adds a row; `row` is its spreadsheet row number. */
  addRow(key: string, meta: PhotoMetadata, row: number): void {
    this.set(key, meta);
    this.rows.set(key, row);
  }

  /** The spreadsheet row number of a key (as in error messages), if the key is in the table. */
  rowOf(key: string): number | undefined {
    return this.rows.get(key);
  }
}

export function parseMetadataCsv(text: string): MetadataTable {
  const records = parseCsvRecords(text);
  const headerIndex = records.findIndex((r) => !isBlank(r));
  const header = records[headerIndex];
  if (!header) throw invalid('the CSV is empty: a header row with a `file` column is required');
  const headerWhere = rowLabel(headerIndex + 1, header.line);

  // Column j → how its cells are used: a known column's name, an extra column's header, or null.
  const columns: ({ known: string } | { extra: string } | null)[] = [];
  const seen = new Map<string, number>();
  header.fields.forEach((raw, j) => {
    const name = raw.trim();
    if (name === '') {
      columns.push(null);
      return;
    }
    const lower = name.toLowerCase();
    const previous = seen.get(lower);
    if (previous !== undefined)
      throw invalid(`${headerWhere}: column "${name}" appears twice (columns ${previous + 1} and ${j + 1})`);
    seen.set(lower, j);
    columns.push(KNOWN.has(lower) || RECORD_COLUMNS.has(lower) ? { known: lower } : { extra: name });
  });
  if (!seen.has('file')) throw invalid(`${headerWhere}: the header has no \`file\` column`);

  const out = new MetadataTable();
  for (let r = headerIndex + 1; r < records.length; r++) {
    const record = records[r] as CsvRecord;
    const where = rowLabel(r + 1, record.line);
    if (isBlank(record)) continue;

    const meta: PhotoMetadata = {};
    let file = '';
    const event: { kind?: string; date?: string; place?: string; source?: string } = {};
    for (let j = 0; j < record.fields.length; j++) {
      const value = (record.fields[j] ?? '').trim();
      if (value === '') continue;
      const column = columns[j];
      if (column === undefined)
        throw invalid(`${where}: has ${record.fields.length} cells but the header has ${columns.length} columns`);
      if (column === null) throw invalid(`${where}: a value in column ${j + 1}, which has no header`);
      if ('extra' in column) {
        (meta.extra ??= {})[column.extra] = value;
        continue;
      }
      switch (column.known) {
        case 'file':
          file = value;
          break;
        case 'captured_at':
          if (!isIsoDate(value))
            throw invalid(
              `${where}: captured_at is not a date (expected YYYY-MM-DD or ISO 8601, e.g. 1944-06-21T14:30)`,
            );
          meta.capturedAt = value;
          break;
        case 'location':
          meta.location = value;
          break;
        case 'birth_date': {
          // The archive's forms too (21.06.1999); never a date in the future. Named by row, not by value.
          const birth = readBirthDate(value);
          if ('problem' in birth)
            throw invalid(`${where}: birth_date ${birth.problem}`, {
              row: r + 1,
              column: 'birth_date',
              reason: birth.reason,
            });
          meta.birthDate = value;
          break;
        }
        case 'id_number': {
          const ids = value
            .split(';')
            .map((s) => s.trim())
            .filter((s) => s !== '');
          if (ids.length > 0) meta.idNumbers = ids;
          break;
        }
        case 'unit':
          meta.unit = value;
          break;
        case 'marks':
          meta.marks = value;
          break;
        case 'notes':
          meta.notes = value;
          break;
        case 'category': {
          const category = value.toLowerCase();
          if (!(CATEGORIES as readonly string[]).includes(category))
            throw invalid(`${where}: category must be one of ${CATEGORIES.join(', ')}`);
          meta.category = category as Category;
          break;
        }
        case 'person_ref':
          if (value.length > 200) throw invalid(`${where}: person_ref is longer than 200 characters`);
          meta.personRef = value;
          break;
        case 'event':
          if (!(PERSON_EVENT_KINDS as readonly string[]).includes(value.toLowerCase()))
            throw invalid(`${where}: event must be one of ${PERSON_EVENT_KINDS.join(', ')}`);
          event.kind = value.toLowerCase();
          break;
        case 'event_date':
          if (!/^\d{4}(-\d{2}(-\d{2})?)?$/.test(value) || !isIsoDate(value))
            throw invalid(`${where}: event_date is not a date (expected YYYY, YYYY-MM or YYYY-MM-DD)`);
          event.date = value;
          break;
        case 'event_place':
          event.place = value;
          break;
        case 'event_source':
          event.source = value;
          break;
        case 'names': {
          const names = value
            .split(';')
            .map((s) => s.trim())
            .filter((s) => s !== '');
          if (names.length > 0) meta.names = names;
          break;
        }
      }
    }
    if (event.kind || event.date || event.place || event.source) {
      if (!event.kind || !event.date) throw invalid(`${where}: an event needs both event and event_date`);
      meta.event = {
        kind: event.kind as PersonEventKind,
        date: event.date,
        ...(event.place ? { place: event.place } : {}),
        ...(event.source ? { source: event.source } : {}),
      };
    }
    if (file === '') throw invalid(`${where}: the file cell is empty`);
    const key = fileKey(file);
    if (key === '') throw invalid(`${where}: the file cell is not a usable path`);
    const earlier = out.rowOf(key);
    if (earlier !== undefined) throw invalid(`${where}: repeats the file of row ${earlier}`);
    out.addRow(key, meta, r + 1);
  }
  return out;
}

/**
 * The metadata row for an input item: exact key first, then the longest trailing-segments match
 * (see the module comment). Keys must be as `parseMetadataCsv` makes them.
 */
export function metadataFor(map: Map<string, PhotoMetadata>, itemName: string): PhotoMetadata | undefined {
  const key = matchKey(map, itemName);
  return key === undefined ? undefined : map.get(key);
}

function matchKey(map: Map<string, PhotoMetadata>, itemName: string): string | undefined {
  if (map.has(itemName)) return itemName;
  const segments = pathSegments(itemName);
  for (let k = segments.length; k >= 1; k--) {
    const key = segments.slice(segments.length - k).join('/');
    if (map.has(key)) return key;
  }
  return undefined;
}

/** What `MetadataMatcher.report()` says about a run, for its summary. */
export interface MetadataMatchReport {
  /** Data rows in the CSV. */
  rows: number;
  /** Rows that matched at least one item. */
  matchedRows: number;
  /** Distinct items that got a row. */
  matchedItems: number;
  /**
   * Rows that matched no item, in CSV order: usually a typo in `file`, or a photo that was not
   * part of this run. `file` is the row's normalised path (`a\b/./c.jpg` → `a/b/c.jpg`); `row` its
   * spreadsheet row number (known when the map came from `parseMetadataCsv`).
   */
  unmatched: Array<{ file: string; row?: number }>;
  /**
   * Rows that matched more than one item (a bare `IMG_001.jpg` for items `a/IMG_001.jpg` and
   * `b/IMG_001.jpg`): every one of those items got this row's metadata, which is right for at
   * most one. The fix is a longer path in the CSV. Rows in the order first matched, items in the
   * order they were matched.
   */
  ambiguous: Array<{ file: string; row?: number; items: string[] }>;
}

/**
 * `metadataFor` over a whole run, remembering which items each row went to, so that the run can
 * report what did not line up.
 *
 *   const table = parseMetadataCsv(csvText);
 *   const matcher = new MetadataMatcher(table);
 *   for (const item of items) store(item, matcher.match(item.name)); // same answer as metadataFor
 *   const { unmatched, ambiguous } = matcher.report();               // after the last item
 *
 * Ambiguity is only ever "one row, several items". The other way round cannot happen: an item
 * takes the row with the longest matching path tail, and two rows with equally long tails that
 * both match one item would have the same path, which `parseMetadataCsv` rejects as a repeat.
 * Matching the same item name twice counts once. The report reflects the items matched so far.
 */
export class MetadataMatcher {
  private readonly itemsByKey = new Map<string, Set<string>>();

  /** `map` as `parseMetadataCsv` makes it; a `MetadataTable` also gives the reports row numbers. */
  constructor(private readonly map: Map<string, PhotoMetadata>) {}

  /** The item's metadata row, as `metadataFor` gives it, and remember the match. */
  match(itemName: string): PhotoMetadata | undefined {
    const key = matchKey(this.map, itemName);
    if (key === undefined) return undefined;
    let items = this.itemsByKey.get(key);
    if (!items) this.itemsByKey.set(key, (items = new Set()));
    items.add(itemName);
    return this.map.get(key);
  }

  /** CSV `file` keys that matched more than one item, in the order first matched, with those items in the order seen. */
  ambiguous(): { file: string; items: string[] }[] {
    return [...this.itemsByKey]
      .filter(([, items]) => items.size > 1)
      .map(([file, items]) => ({ file, items: [...items] }));
  }

  /** CSV `file` keys that matched no item so far, in CSV order. */
  unmatched(): string[] {
    return [...this.map.keys()].filter((key) => !this.itemsByKey.has(key));
  }

  /** `unmatched` and `ambiguous` with row numbers, and the counts, for a run summary. */
  report(): MetadataMatchReport {
    const items = new Set<string>();
    for (const set of this.itemsByKey.values()) for (const item of set) items.add(item);
    const row = (file: string) => {
      const n = this.map instanceof MetadataTable ? this.map.rowOf(file) : undefined;
      return n === undefined ? {} : { row: n };
    };
    return {
      rows: this.map.size,
      matchedRows: this.itemsByKey.size,
      matchedItems: items.size,
      unmatched: this.unmatched().map((file) => ({ file, ...row(file) })),
      ambiguous: this.ambiguous().map((a) => ({ file: a.file, ...row(a.file), items: a.items })),
    };
  }
}

/** Path segments at `/`, `\` and `!`, without empty or `.` segments. */
function pathSegments(name: string): string[] {
  return name.split(/[/\\!]/).filter((s) => s !== '' && s !== '.');
}

function fileKey(file: string): string {
  return pathSegments(file).join('/');
}

function isBlank(record: CsvRecord): boolean {
  return !record.quoted && record.fields.every((f) => f.trim() === '');
}

function rowLabel(row: number, line: number): string {
  return row === line ? `row ${row}` : `row ${row} (line ${line})`;
}

/** `details` carry codes a page can put in its reader's language (a row number, a reason), never a cell. */
function invalid(message: string, details?: Record<string, unknown>): KinfinderError {
  return new KinfinderError('invalid_metadata', `metadata CSV ${message}`, details);
}

const ISO_DATE =
  /^(\d{4})(?:-(\d{2})(?:-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:[.,]\d+)?)?(Z|[+-](\d{2})(?::?(\d{2}))?)?)?)?)?$/i;

/** `YYYY`, `YYYY-MM`, `YYYY-MM-DD`, or a date with `THH:MM[:SS[.fff]][Z|±HH[:MM]]` (a space may stand for `T`). */
export function isIsoDate(value: string): boolean {
  const m = ISO_DATE.exec(value);
  if (!m) return false;
  const [, y, mo, d, h, mi, s, , oh, om] = m;
  const year = Number(y);
  if (mo !== undefined) {
    const month = Number(mo);
    if (month < 1 || month > 12) return false;
    if (d !== undefined) {
      const day = Number(d);
      const leap = (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
      const daysInMonth = month === 2 ? (leap ? 29 : 28) : [4, 6, 9, 11].includes(month) ? 30 : 31;
      if (day < 1 || day > daysInMonth) return false;
    }
  }
  if (h !== undefined && Number(h) > 23) return false;
  if (mi !== undefined && Number(mi) > 59) return false;
  if (s !== undefined && Number(s) > 59) return false;
  if (oh !== undefined && Number(oh) > 23) return false;
  if (om !== undefined && Number(om) > 59) return false;
  return true;
}
