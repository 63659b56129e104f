/**
 * `--metadata file.csv`: what is known about each photo, matched to input items by path.
 *
 * The CSV (RFC 4180: quoted fields, `""` escapes, commas and newlines inside quotes, CRLF or LF,
 * an optional UTF-8 BOM) needs a header row with a `file` column. Known columns: `captured_at`,
 * `location`, `notes`, `names` (`;`-separated). Header names are matched without regard to case
 * or surrounding spaces. Every other named column is kept in `extra`. Cells are trimmed; empty
 * cells are left out; rows whose cells are all empty are skipped (also before the header).
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
 * `MetadataMatcher` records that so the run can report it; the fix is a longer path in the CSV.
 */
import { KinfinderError } from '../errors.ts';

export type PhotoMetadata = {
  capturedAt?: string;
  location?: string;
  notes?: string;
  names?: string[];
  extra?: Record<string, string>;
};

type CsvRecord = { fields: string[]; line: number; quoted: boolean };

/** RFC 4180 records with the line each starts on. A lone CR also ends a record. */
export function parseCsvRecords(text: string): CsvRecord[] {
  const records: CsvRecord[] = [];
  let i = text.charCodeAt(0) === 0xfeff ? 1 : 0;
  const n = text.length;
  let line = 1;
  let recordLine = 1;
  let fields: string[] = [];
  let field = '';
  let inQuotes = false;
  let afterQuote = false; // the current field was quoted and its closing quote has been seen
  let anyQuoted = false;
  let quoteLine = 1;

  const endRecord = () => {
    fields.push(field);
    records.push({ fields, line: recordLine, quoted: anyQuoted });
    fields = [];
    field = '';
    afterQuote = false;
    anyQuoted = false;
  };

  while (i < n) {
    const c = text[i] as string;
    if (inQuotes) {
      if (c === '"') {
        if (text[i + 1] === '"') {
          field += '"';
          i += 2;
        } else {
          inQuotes = false;
          afterQuote = true;
          i += 1;
        }
        continue;
      }
      if (c === '\n' || (c === '\r' && text[i + 1] !== '\n')) line += 1;
      field += c;
      i += 1;
      continue;
    }
    if (c === ',') {
      fields.push(field);
      field = '';
      afterQuote = false;
      i += 1;
      continue;
    }
    if (c === '\r' || c === '\n') {
      endRecord();
      i += c === '\r' && text[i + 1] === '\n' ? 2 : 1;
      line += 1;
      recordLine = line;
      continue;
    }
    if (afterQuote) {
      if (c === ' ' || c === '\t') {
        i += 1;
        continue;
      }
      throw invalid(`line ${line}: text after the closing quote of a quoted field`);
    }
    if (c === '"' && field.trim() === '') {
      // A quote opening a field (spaces before it are tolerated and dropped).
      field = '';
      inQuotes = true;
      anyQuoted = true;
      quoteLine = line;
      i += 1;
      continue;
    }
    // Anything else, including a stray quote inside an unquoted field, is taken literally.
    field += c;
    i += 1;
  }
  if (inQuotes) throw invalid(`line ${quoteLine}: a quoted field is never closed`);
  if (field !== '' || fields.length > 0 || afterQuote) endRecord();
  return records;
}

const KNOWN = new Set(['file', 'captured_at', 'location', 'notes', 'names']);

export function parseMetadataCsv(text: string): Map<string, PhotoMetadata> {
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
    if (previous !== undefined) throw invalid(`${headerWhere}: column "${name}" appears twice (columns ${previous + 1} and ${j + 1})`);
    seen.set(lower, j);
    columns.push(KNOWN.has(lower) ? { known: lower } : { extra: name });
  });
  if (!seen.has('file')) throw invalid(`${headerWhere}: the header has no \`file\` column`);

  const out = new Map<string, PhotoMetadata>();
  const rowOfKey = new Map<string, number>();
  for (let r = headerIndex + 1; r < records.length; r++) {
    const record = records[r] as CsvRecord;
    const where = rowLabel(r + 1, record.line);
    if (isBlank(record)) continue;

    const meta: PhotoMetadata = {};
    let file = '';
    for (let j = 0; j < record.fields.length; j++) {
      const value = (record.fields[j] ?? '').trim();
      if (value === '') continue;
      const column = columns[j];
      if (column === undefined) throw invalid(`${where}: has ${record.fields.length} cells but the header has ${columns.length} columns`);
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
          if (!isIsoDate(value)) throw invalid(`${where}: captured_at is not a date (expected YYYY-MM-DD or ISO 8601, e.g. 1944-06-21T14:30)`);
          meta.capturedAt = value;
          break;
        case 'location':
          meta.location = value;
          break;
        case 'notes':
          meta.notes = value;
          break;
        case 'names': {
          const names = value.split(';').map((s) => s.trim()).filter((s) => s !== '');
          if (names.length > 0) meta.names = names;
          break;
        }
      }
    }
    if (file === '') throw invalid(`${where}: the file cell is empty`);
    const key = fileKey(file);
    if (key === '') throw invalid(`${where}: the file cell is not a usable path`);
    const earlier = rowOfKey.get(key);
    if (earlier !== undefined) throw invalid(`${where}: repeats the file of row ${earlier}`);
    rowOfKey.set(key, r + 1);
    out.set(key, meta);
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

/**
 * `metadataFor` over a whole run, remembering which items each row went to, so the run can say
 * which rows matched nothing (typos) and which matched more than one item (ambiguous: every such
 * item got the same metadata — the operator should give a longer path in the CSV).
 */
export class MetadataMatcher {
  private readonly itemsByKey = new Map<string, Set<string>>();

  constructor(private readonly map: Map<string, PhotoMetadata>) {}

  match(itemName: string): PhotoMetadata | undefined {
    const key = matchKey(this.map, itemName);
    if (key === undefined) return undefined;
    let items = this.itemsByKey.get(key);
    if (!items) this.itemsByKey.set(key, (items = new Set()));
    items.add(itemName);
    return this.map.get(key);
  }

  /** CSV `file` keys that matched more than one item, with those items in the order seen. */
  ambiguous(): { file: string; items: string[] }[] {
    return [...this.itemsByKey].filter(([, items]) => items.size > 1).map(([file, items]) => ({ file, items: [...items] }));
  }

  /** CSV `file` keys that matched no item so far, in CSV order. */
  unmatched(): string[] {
    return [...this.map.keys()].filter((key) => !this.itemsByKey.has(key));
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

function invalid(message: string): KinfinderError {
  return new KinfinderError('invalid_metadata', `metadata CSV ${message}`);
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
