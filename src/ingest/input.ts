import type { ErrorCode } from '../errors.ts';

/** One thing the user handed us: the bytes of a file (or zip entry), or why it was refused. */
export type InputItem = { name: string; bytes: Buffer } | { name: string; error: { code: ErrorCode; message: string } };

export type CollectLimits = {
  /** Largest single file or zip entry accepted, in bytes. */
  maxFileBytes: number;
  /** Most entries (files and directories) one archive may declare. */
  maxZipEntries: number;
  /** Largest sum of declared uncompressed entry sizes one archive may have, in bytes. */
  maxZipTotalBytes: number;
  /** Largest ratio of an entry's uncompressed to compressed size (default MAX_ZIP_RATIO). */
  maxZipRatio?: number;
};

/**
 * Photos barely compress: JPEG, HEIC and WebP at about 1:1, PNG a little more, an uncompressed
 * BMP or TIFF scan a few times, a flat-coloured one a few dozen. Zeros deflate at about 1000:1,
 * the mark of a zip bomb (issue 28, finding 7: 2.9 MB of zip inflating to 2.85 GB). 100:1 takes
 * every photo and bounds what an archive may cost to inflate at 100 times its size.
 */
export const MAX_ZIP_RATIO = 100;

/** What reading an archive inflated, for tests and logs: the bound the limits promise. */
export interface ZipMeter {
  /** Bytes inflated in all, entries refused part-way included. */
  inflatedBytes: number;
  /** The most bytes inflated for any one entry. */
  largestEntryBytes: number;
}

export function errorItem(name: string, code: ErrorCode, message: string): InputItem {
  return { name, error: { code, message } };
}

/** Files every photo folder carries that are never photos; skipped without a word. */
const JUNK_NAMES = new Set(['.ds_store', 'thumbs.db', 'desktop.ini']);

export function isJunkName(basename: string): boolean {
  return JUNK_NAMES.has(basename.toLowerCase());
}

/** True when `head` starts with a zip local file header signature (PK\x03\x04). */
export function looksLikeZip(head: Buffer): boolean {
  return head.length >= 4 && head[0] === 0x50 && head[1] === 0x4b && head[2] === 0x03 && head[3] === 0x04;
}

export { displaySafe } from '../display.ts';
