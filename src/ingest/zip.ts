/**
 * Zip archives as input: entries come out as InputItems named `archive.zip!inner/path.jpg`.
 *
 * Nothing is ever written to disk. The archive is judged as a whole before any entry is read:
 *  - more entries than `maxZipEntries` (known from the end-of-central-directory record, before the
 *    central directory is even read), or a sum of declared uncompressed sizes above
 *    `maxZipTotalBytes`, rejects the whole archive with `archive_too_large`;
 *  - a central directory that cannot be parsed rejects it with `corrupt_archive`.
 * In both cases the archive yields exactly one error item, named after the archive.
 *
 * Then each entry is judged on its own (one bad entry never hides the good ones):
 *  - directories, `__MACOSX/…`, hidden (dot-named) paths and junk (.DS_Store, Thumbs.db,
 *    desktop.ini) are skipped silently;
 *  - absolute paths, drive letters, `..` segments (also through backslashes) and control
 *    characters (NUL included) in the name → `unsafe_path`;
 *  - encrypted entries and compression methods other than stored/deflate → `unsupported_format`;
 *  - a declared uncompressed size above `maxFileBytes` → `file_too_large` (nothing read);
 *  - a declared uncompressed size more than `maxZipRatio` (MAX_ZIP_RATIO) times the compressed
 *    size → `compression_ratio_too_high` (nothing inflated: a bomb costs a header's reading);
 *  - data that inflates past (or short of) its declared size, fails its CRC-32, or cannot be
 *    read → `corrupt_archive` for that entry. Reading stops as soon as the declared size is
 *    exceeded, so a lying header costs at most one extra chunk of memory.
 * Together: no entry inflates past `maxFileBytes` (plus a chunk) nor past `maxZipRatio` times the
 * compressed bytes it spans, so an archive costs at most `maxZipRatio` times its size to read.
 * Zips inside the zip are not opened: they come out as ordinary items.
 */
import zlib from 'node:zlib';
import type { Readable } from 'node:stream';
import yauzl from 'yauzl';
import type { Entry, ZipFile } from 'yauzl';
import {
  displaySafe,
  errorItem,
  isJunkName,
  MAX_ZIP_RATIO,
  type CollectLimits,
  type InputItem,
  type ZipMeter,
} from './input.ts';

const UTF8_FLAG = 0x800;
const UNICODE_PATH_EXTRA_FIELD = 0x7075;

export async function* readZipEntries(
  zipPath: string,
  archiveName: string,
  limits: CollectLimits,
  meter?: ZipMeter,
): AsyncGenerator<InputItem> {
  const maxRatio = limits.maxZipRatio ?? MAX_ZIP_RATIO;
  let zip: ZipFile;
  try {
    zip = await openZip(zipPath);
  } catch (err) {
    yield archiveError(archiveName, err);
    return;
  }
  const reader = new EntryReader(zip);
  try {
    if (zip.entryCount > limits.maxZipEntries) {
      yield errorItem(
        archiveName,
        'archive_too_large',
        `archive has ${zip.entryCount} entries; the limit is ${limits.maxZipEntries}`,
      );
      return;
    }

    // Pass 1: the central directory only (bounded by maxZipEntries), no file data.
    const entries: Entry[] = [];
    let declaredTotal = 0;
    try {
      for (let entry = await reader.next(); entry; entry = await reader.next()) {
        entries.push(entry);
        declaredTotal += entry.uncompressedSize;
        if (declaredTotal > limits.maxZipTotalBytes) {
          yield errorItem(
            archiveName,
            'archive_too_large',
            `archive declares more than ${limits.maxZipTotalBytes} bytes uncompressed`,
          );
          return;
        }
      }
    } catch (err) {
      yield archiveError(archiveName, err);
      return;
    }

    // Pass 2: each entry in archive order.
    for (const entry of entries) {
      const verdict = judgeEntryName(entry);
      if (verdict.kind === 'skip') continue;
      if (verdict.kind === 'unsafe') {
        yield errorItem(`${archiveName}!${displaySafe(verdict.shown)}`, 'unsafe_path', verdict.reason);
        continue;
      }
      const name = `${archiveName}!${verdict.path}`;
      if (entry.isEncrypted()) {
        yield errorItem(name, 'unsupported_format', 'entry is encrypted');
        continue;
      }
      if (entry.compressionMethod !== 0 && entry.compressionMethod !== 8) {
        yield errorItem(
          name,
          'unsupported_format',
          `entry uses unsupported compression method ${entry.compressionMethod}`,
        );
        continue;
      }
      if (entry.uncompressedSize > limits.maxFileBytes) {
        yield errorItem(
          name,
          'file_too_large',
          `entry is ${entry.uncompressedSize} bytes; the limit is ${limits.maxFileBytes}`,
        );
        continue;
      }
      // Judged on the header: yauzl stops inflating at the declared size, so the declared ratio
      // is also the most the entry can really inflate to. (Zero compressed bytes inflate to nothing.)
      if (entry.uncompressedSize > maxRatio * Math.max(entry.compressedSize, 1)) {
        yield errorItem(
          name,
          'compression_ratio_too_high',
          `entry inflates ${Math.round(entry.uncompressedSize / Math.max(entry.compressedSize, 1))} times its size; the limit is ${maxRatio}`,
        );
        continue;
      }
      let bytes: Buffer;
      try {
        bytes = await readEntryBytes(zip, entry, meter);
      } catch (err) {
        yield errorItem(
          name,
          'corrupt_archive',
          err instanceof EntryDataError ? err.message : 'entry cannot be read: the archive is damaged',
        );
        continue;
      }
      yield { name, bytes };
    }
  } finally {
    reader.dispose();
    zip.close();
  }
}

function openZip(zipPath: string): Promise<ZipFile> {
  return new Promise((resolve, reject) => {
    yauzl.open(
      zipPath,
      { lazyEntries: true, autoClose: false, decodeStrings: false, validateEntrySizes: true },
      (err, zip) => {
        if (err) reject(err);
        else resolve(zip);
      },
    );
  });
}

function archiveError(archiveName: string, err: unknown): InputItem {
  const code = (err as NodeJS.ErrnoException | null)?.code;
  if (code === 'ENOENT' || code === 'ENOTDIR') return errorItem(archiveName, 'not_found', 'no such file');
  if (code === 'EACCES' || code === 'EPERM' || code === 'EISDIR' || code === 'EIO') {
    return errorItem(archiveName, 'invalid_input', 'archive cannot be read');
  }
  const message = err instanceof Error ? err.message : '';
  if (/encrypt/i.test(message))
    return errorItem(archiveName, 'unsupported_format', 'archive uses encryption that is not supported');
  return errorItem(archiveName, 'corrupt_archive', 'archive is damaged or not a zip file');
}

/** Turns yauzl's lazy entry events into awaitable reads; an 'error' is never left unheard. */
class EntryReader {
  private pending: { resolve: (e: Entry | null) => void; reject: (err: unknown) => void } | null = null;
  private failure: unknown = null;
  private ended = false;
  private readonly onEntry = (entry: Entry) => this.settle((p) => p.resolve(entry));
  private readonly onEnd = () => {
    this.ended = true;
    this.settle((p) => p.resolve(null));
  };
  private readonly onError = (err: unknown) => {
    this.failure = err;
    this.settle((p) => p.reject(err));
  };

  constructor(private readonly zip: ZipFile) {
    zip.on('entry', this.onEntry);
    zip.on('end', this.onEnd);
    zip.on('error', this.onError);
  }

  next(): Promise<Entry | null> {
    if (this.failure) return Promise.reject(this.failure);
    if (this.ended) return Promise.resolve(null);
    return new Promise((resolve, reject) => {
      this.pending = { resolve, reject };
      this.zip.readEntry();
    });
  }

  dispose(): void {
    this.zip.off('entry', this.onEntry);
    this.zip.off('end', this.onEnd);
    // Keep a listener for 'error': an unheard 'error' event would crash the process.
  }

  private settle(fn: (p: NonNullable<EntryReader['pending']>) => void): void {
    const p = this.pending;
    this.pending = null;
    if (p) fn(p);
  }
}

type NameVerdict = { kind: 'skip' } | { kind: 'unsafe'; shown: string; reason: string } | { kind: 'ok'; path: string };

/** Decodes and checks an entry name. Backslashes count as separators, so `..\x` is caught too. */
function judgeEntryName(entry: Pick<Entry, 'fileNameRaw' | 'generalPurposeBitFlag' | 'extraFields'>): NameVerdict {
  const raw = decodeEntryName(entry);
  const slashed = raw.replace(/\\/g, '/');
  if (slashed.endsWith('/')) return { kind: 'skip' }; // a directory: never read, never written
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(raw))
    return { kind: 'unsafe', shown: slashed, reason: 'entry name contains control characters' };
  if (slashed.startsWith('/') || /^[A-Za-z]:/.test(slashed)) {
    return { kind: 'unsafe', shown: slashed, reason: 'entry name is an absolute path' };
  }
  const segments = slashed.split('/');
  if (segments.includes('..'))
    return { kind: 'unsafe', shown: slashed, reason: 'entry name climbs out of the archive (..)' };
  const kept = segments.filter((s) => s !== '' && s !== '.');
  if (kept.length === 0) return { kind: 'unsafe', shown: slashed, reason: 'entry has no name' };
  if (kept[0] === '__MACOSX') return { kind: 'skip' };
  if (kept.some((s) => s.startsWith('.'))) return { kind: 'skip' };
  if (isJunkName(kept[kept.length - 1] ?? '')) return { kind: 'skip' };
  return { kind: 'ok', path: kept.join('/') };
}

const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * The UTF-8 flag or an Info-ZIP Unicode path field decides when present; otherwise a name that is
 * valid UTF-8 is taken as UTF-8 (what macOS and most modern tools write without the flag), and
 * anything else as CP437, the zip default.
 */
function decodeEntryName(entry: Pick<Entry, 'fileNameRaw' | 'generalPurposeBitFlag' | 'extraFields'>): string {
  const flags = entry.generalPurposeBitFlag;
  const hasUnicodeField = entry.extraFields.some((f) => f.id === UNICODE_PATH_EXTRA_FIELD);
  if (!(flags & UTF8_FLAG) && !hasUnicodeField) {
    try {
      return strictUtf8.decode(entry.fileNameRaw);
    } catch {
      // not UTF-8: fall through to CP437
    }
  }
  return yauzl.getFileNameLowLevel(flags, entry.fileNameRaw, entry.extraFields, true);
}

class EntryDataError extends Error {}

function openEntryStream(zip: ZipFile, entry: Entry): Promise<Readable> {
  return new Promise((resolve, reject) => {
    zip.openReadStream(entry, (err, stream) => {
      if (err) reject(err);
      else resolve(stream);
    });
  });
}

async function readEntryBytes(zip: ZipFile, entry: Entry, meter: ZipMeter | undefined): Promise<Buffer> {
  const stream = await openEntryStream(zip, entry);
  const chunks: Buffer[] = [];
  let total = 0;
  try {
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      total += chunk.length;
      if (meter) {
        meter.inflatedBytes += chunk.length;
        meter.largestEntryBytes = Math.max(meter.largestEntryBytes, total);
      }
      // yauzl's byte-count check fires first for deflated data; this also covers stored data.
      if (total > entry.uncompressedSize) throw new EntryDataError('entry data is larger than its header declares');
      chunks.push(chunk);
    }
  } catch (err) {
    stream.destroy();
    if (err instanceof EntryDataError) throw err;
    const message = err instanceof Error ? err.message : '';
    if (/too many bytes/.test(message))
      throw new EntryDataError('entry data is larger than its header declares', { cause: err });
    if (/not enough bytes/.test(message))
      throw new EntryDataError('entry data is smaller than its header declares', { cause: err });
    throw err;
  }
  if (total !== entry.uncompressedSize) throw new EntryDataError('entry data is smaller than its header declares');
  const bytes = Buffer.concat(chunks, total);
  if (crc32(bytes) >>> 0 !== entry.crc32 >>> 0) throw new EntryDataError('entry data fails its CRC-32 check');
  return bytes;
}

let crcTable: Uint32Array | null = null;

/** zlib.crc32 where the runtime has it (Node ≥ 20.15), a table fallback otherwise. */
function crc32(data: Buffer): number {
  if (typeof zlib.crc32 === 'function') return zlib.crc32(data);
  if (!crcTable) {
    crcTable = new Uint32Array(256);
    for (let n = 0; n < 256; n++) {
      let c = n;
      for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
      crcTable[n] = c >>> 0;
    }
  }
  let crc = 0xffffffff;
  for (const byte of data) crc = (crcTable[(crc ^ byte) & 0xff] ?? 0) ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}
