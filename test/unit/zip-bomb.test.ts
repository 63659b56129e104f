// Issue 28, finding 7: 2.9 MB of zip (150 entries of 19 MB of zeros) cost 30 s of CPU and 760 MB,
// each entry inflated in full before its format was checked. Now each entry is refused from its
// header, and what is inflated is bounded: asserted on the reader's meter, never on timings.
import zlib from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { MAX_ZIP_RATIO, type InputItem, type ZipMeter } from '../../src/ingest/input.ts';
import { uploadedZipEntries } from '../../src/ingest/upload-zip.ts';
import { makeZip } from '../support/zip.ts';

const MB = 1024 * 1024;
/** The default upload limit (KINFINDER_MAX_UPLOAD_MB): each bomb entry is within it. */
const MAX_FILE = 20 * MB;

async function read(name: string, bytes: Buffer): Promise<{ items: InputItem[]; meter: ZipMeter }> {
  const meter: ZipMeter = { inflatedBytes: 0, largestEntryBytes: 0 };
  const items: InputItem[] = [];
  for await (const item of uploadedZipEntries({ name, bytes }, MAX_FILE, meter)) items.push(item);
  return { items, meter };
}

const codes = (items: InputItem[]) => items.map((i) => ('error' in i ? i.error.code : 'ok'));

describe('zip bombs', () => {
  it('refuses each of 150 entries of 19 MB of zeros from its header, inflating none of them', async () => {
    const zeros = Buffer.alloc(19 * MB);
    const deflated = {
      payload: zlib.deflateRawSync(zeros),
      crc: zlib.crc32(zeros),
      declaredSize: zeros.length,
      method: 8,
    };
    // A photo-like entry (random bytes do not compress) beside them is still taken.
    const photo = Buffer.from(Array.from({ length: 300_000 }, (_, i) => (i * 2654435761) >>> 24));
    const bomb = makeZip([
      ...Array.from({ length: 150 }, (_, i) => ({ name: `zeros/${i}.jpg`, ...deflated })),
      { name: 'real.jpg', data: photo, method: 8 },
    ]);
    expect(bomb.length).toBeLessThan(4 * MB); // the attack's 2.9 MB, declaring 2.85 GB

    const { items, meter } = await read('bomb.zip', bomb);
    expect(codes(items)).toEqual([...Array.from({ length: 150 }, () => 'compression_ratio_too_high'), 'ok']);
    expect(items[0]!.name).toBe('bomb.zip!zeros/0.jpg');
    expect('error' in items[0]! && items[0].error.message).toMatch(new RegExp(`the limit is ${MAX_ZIP_RATIO}`));
    // Only the real photo was inflated.
    expect(meter.inflatedBytes).toBe(photo.length);
    expect(meter.largestEntryBytes).toBe(photo.length);
  });

  it('stops inflating an entry whose header lies about its size, one chunk past what it declared', async () => {
    // 19 MB of zeros behind a header declaring 10 kB: within the ratio cap on paper.
    const zeros = Buffer.alloc(19 * MB);
    const liar = {
      payload: zlib.deflateRawSync(zeros),
      crc: zlib.crc32(zeros.subarray(0, 10_000)),
      declaredSize: 10_000,
      method: 8,
    };
    const { items, meter } = await read(
      'liar.zip',
      makeZip(Array.from({ length: 20 }, (_, i) => ({ name: `l${i}.jpg`, ...liar }))),
    );
    expect(new Set(codes(items))).toEqual(new Set(['corrupt_archive']));
    expect(items).toHaveLength(20);
    // Bounded by the declared size plus one inflate chunk (64 kB), not by the 19 MB behind it.
    expect(meter.largestEntryBytes).toBeLessThanOrEqual(10_000 + 64 * 1024);
    expect(meter.inflatedBytes).toBeLessThanOrEqual(20 * (10_000 + 64 * 1024));
  });

  it('reads a legitimately compressible scan (a few times smaller zipped) as before', async () => {
    // An uncompressed bitmap of a pale page with the sensor's noise in its low bits: deflate
    // makes it a few times smaller, far under the cap.
    let seed = 1;
    const scan = Buffer.from(
      Array.from({ length: 2 * MB }, () => 0xf0 + ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) >>> 29)),
    );
    expect(scan.length / zlib.deflateRawSync(scan).length).toBeLessThan(10);
    const zip = makeZip([{ name: 'scan.bmp', data: scan, method: 8 }]);
    const { items, meter } = await read('scans.zip', zip);
    expect(codes(items)).toEqual(['ok']);
    expect(meter.inflatedBytes).toBe(scan.length);
  });
});
