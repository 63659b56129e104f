import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { collectInputs, type CollectLimits, type InputItem } from '../../src/ingest/collect.ts';
import { makeZip } from '../support/zip.ts';

const LIMITS: CollectLimits = { maxFileBytes: 1024, maxZipEntries: 10, maxZipTotalBytes: 4096 };

async function collect(paths: string[], limits: CollectLimits = LIMITS): Promise<InputItem[]> {
  const items: InputItem[] = [];
  for await (const item of collectInputs(paths, limits)) items.push(item);
  return items;
}

/** A compact view: name → content as text, or `!code`. */
function summary(items: InputItem[]): [string, string][] {
  return items.map((i): [string, string] =>
    'bytes' in i ? [i.name, i.bytes.toString('latin1')] : [i.name, `!${i.error.code}`],
  );
}

let tmp: string;
const at = (...p: string[]) => path.join(tmp, ...p);
function write(rel: string, content: string | Buffer): string {
  const file = at(rel);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, content);
  return file;
}

beforeAll(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'kinfinder-collect-'));
});
afterAll(() => {
  fs.rmSync(tmp, { recursive: true, force: true });
});

describe('files and folders', () => {
  it('walks folders depth-first in byte-wise name order, skipping hidden and junk files, reporting symlinks and FIFOs', async () => {
    write('tree/b.jpg', 'B');
    write('tree/a.jpg', 'A');
    write('tree/C.jpg', 'C');
    write('tree/a/z.jpg', 'AZ');
    write('tree/a/deeper/y.jpg', 'ADY');
    write('tree/a/.hidden.jpg', 'H');
    write('tree/.git/x.jpg', 'G');
    write('tree/notes.txt', 'not a photo, but not filtered here');
    write('tree/Thumbs.db', 'junk');
    write('tree/sub/.DS_Store', 'junk');
    write('tree/sub/DESKTOP.INI', 'junk');
    write('tree/sub/keep.jpg', 'K');
    write('outside/secret.jpg', 'SECRET');
    fs.symlinkSync(at('tree/b.jpg'), at('tree/link.jpg'));
    fs.symlinkSync(at('outside'), at('tree/linkdir'));
    execFileSync('mkfifo', [at('tree/pipe.jpg')]);

    const items = await collect([at('tree') + path.sep]);
    expect(summary(items)).toEqual([
      [at('tree/C.jpg'), 'C'],
      [at('tree/a/deeper/y.jpg'), 'ADY'],
      [at('tree/a/z.jpg'), 'AZ'],
      [at('tree/a.jpg'), 'A'],
      [at('tree/b.jpg'), 'B'],
      [at('tree/link.jpg'), '!symlink_skipped'],
      [at('tree/linkdir'), '!symlink_skipped'],
      [at('tree/notes.txt'), 'not a photo, but not filtered here'],
      [at('tree/pipe.jpg'), '!unsupported_format'],
      [at('tree/sub/keep.jpg'), 'K'],
    ]);
  });

  it('keeps the order of the paths given and names files as given', async () => {
    const one = write('given/one.jpg', '1');
    const two = write('given/two.jpg', '2');
    const rel = path.relative(process.cwd(), two);
    const items = await collect([two, one, rel]);
    expect(summary(items)).toEqual([
      [two, '2'],
      [one, '1'],
      [rel, '2'],
    ]);
  });

  it('reports a missing path as not_found and goes on', async () => {
    const ok = write('missing/ok.jpg', 'ok');
    const items = await collect([at('missing/nope.jpg'), at('nowhere/at/all'), ok]);
    expect(summary(items)).toEqual([
      [at('missing/nope.jpg'), '!not_found'],
      [at('nowhere/at/all'), '!not_found'],
      [ok, 'ok'],
    ]);
  });

  it('follows a symlink or hidden file named directly, skips junk named directly', async () => {
    const target = write('direct/.real.jpg', 'R');
    fs.symlinkSync(target, at('direct/link.jpg'));
    const junk = write('direct/Thumbs.db', 'junk');
    const items = await collect([at('direct/link.jpg'), target, junk]);
    expect(summary(items)).toEqual([
      [at('direct/link.jpg'), 'R'],
      [target, 'R'],
    ]);
  });

  it('accepts a file at the size cap and refuses one byte more', async () => {
    const exact = write('cap/exact.jpg', Buffer.alloc(LIMITS.maxFileBytes, 1));
    const over = write('cap/over.jpg', Buffer.alloc(LIMITS.maxFileBytes + 1, 1));
    const items = await collect([exact, over]);
    expect(items.map((i) => ('bytes' in i ? i.bytes.length : i.error.code))).toEqual([
      LIMITS.maxFileBytes,
      'file_too_large',
    ]);
  });

  it('refuses a huge file from its size, without reading it', async () => {
    // A sparse 16 GiB file: reading it would exceed any Buffer and take minutes.
    const huge = at('cap/huge.jpg');
    fs.writeFileSync(huge, '');
    fs.truncateSync(huge, 16 * 1024 ** 3);
    const started = Date.now();
    const items = await collect([huge], { ...LIMITS, maxFileBytes: 20 * 1024 * 1024 });
    expect(summary(items)).toEqual([[huge, '!file_too_large']]);
    expect(Date.now() - started).toBeLessThan(5_000);
  });
});

describe('zip archives', () => {
  it('yields good entries in archive order and refuses unsafe names per entry', async () => {
    const inner = makeZip([{ name: 'x.jpg', data: Buffer.from('X') }]);
    const zip = write(
      'zips/field.zip',
      makeZip([
        { name: 'z-first.jpg', data: Buffer.from('Z') },
        { name: '../evil.jpg', data: Buffer.from('EVIL1') },
        { name: '/etc/evil.jpg', data: Buffer.from('EVIL2') },
        { name: 'batch3/', data: Buffer.alloc(0) },
        { name: 'batch3/IMG_001.jpg', data: Buffer.from('IMG1'), method: 8 },
        { name: '..\\evil.jpg', data: Buffer.from('EVIL3') },
        { name: 'C:\\evil.jpg', data: Buffer.from('EVIL4') },
        { name: 'ok/../../evil.jpg', data: Buffer.from('EVIL5') },
        { name: Buffer.from('nul\0.jpg'), data: Buffer.from('EVIL6') },
        { name: 'a-last.jpg', data: Buffer.from('A') },
      ]),
    );
    const more = write(
      'zips/more.zip',
      makeZip([
        { name: '__MACOSX/batch3/._IMG_001.jpg', data: Buffer.from('M') },
        { name: '.hidden/x.jpg', data: Buffer.from('H') },
        { name: 'batch3/Thumbs.db', data: Buffer.from('T') },
        { name: './dot/./slash//ok.jpg', data: Buffer.from('OK') },
        { name: 'inner.zip', data: inner },
        { name: 'win\\style.jpg', data: Buffer.from('W') },
      ]),
    );
    const items = await collect([zip, more]);
    expect(summary(items)).toEqual([
      [`${zip}!z-first.jpg`, 'Z'],
      [`${zip}!../evil.jpg`, '!unsafe_path'],
      [`${zip}!/etc/evil.jpg`, '!unsafe_path'],
      [`${zip}!batch3/IMG_001.jpg`, 'IMG1'],
      [`${zip}!../evil.jpg`, '!unsafe_path'],
      [`${zip}!C:/evil.jpg`, '!unsafe_path'],
      [`${zip}!ok/../../evil.jpg`, '!unsafe_path'],
      [`${zip}!nul\\x00.jpg`, '!unsafe_path'],
      [`${zip}!a-last.jpg`, 'A'],
      [`${more}!dot/slash/ok.jpg`, 'OK'],
      [`${more}!inner.zip`, inner.toString('latin1')],
      [`${more}!win/style.jpg`, 'W'],
    ]);
  });

  it('expands zips found in folders, by extension (any case) or by sniffing', async () => {
    const body = makeZip([{ name: 'p.jpg', data: Buffer.from('P') }]);
    write('zipfolder/a.ZIP', body);
    write('zipfolder/b.dat', body);
    write('zipfolder/c.jpg', 'C');
    const items = await collect([at('zipfolder')]);
    expect(summary(items)).toEqual([
      [`${at('zipfolder/a.ZIP')}!p.jpg`, 'P'],
      [`${at('zipfolder/b.dat')}!p.jpg`, 'P'],
      [at('zipfolder/c.jpg'), 'C'],
    ]);
  });

  it('decodes names: the UTF-8 flag, unflagged UTF-8, and CP437', async () => {
    const zip = write(
      'zips/names.zip',
      makeZip([
        { name: 'фото-1.jpg', flags: 0x800, data: Buffer.from('1') },
        { name: 'фото-2.jpg', data: Buffer.from('2') },
        { name: Buffer.from([0x81, 0x2e, 0x6a, 0x70, 0x67]), data: Buffer.from('3') }, // CP437 0x81 = ü
      ]),
    );
    const items = await collect([zip]);
    expect(items.map((i) => i.name)).toEqual([`${zip}!фото-1.jpg`, `${zip}!фото-2.jpg`, `${zip}!ü.jpg`]);
  });

  it('refuses per entry: declared size over the cap, encrypted, unknown compression, bad CRC, lying size', async () => {
    const big = Buffer.alloc(LIMITS.maxFileBytes + 1, 7);
    const lying = Buffer.alloc(LIMITS.maxFileBytes, 0x41); // inflates to 1024 bytes, declares 100
    const zip = write(
      'zips/entries.zip',
      makeZip([
        { name: 'big.jpg', data: big, method: 8 },
        { name: 'locked.jpg', flags: 0x1, payload: Buffer.alloc(12 + 5), declaredSize: 5 },
        { name: 'bzip2.jpg', method: 12, payload: Buffer.from('xxxx'), declaredSize: 4 },
        { name: 'badcrc.jpg', data: Buffer.from('data'), crc: 12345 },
        { name: 'lying.jpg', data: lying, method: 8, declaredSize: 100 },
        { name: 'short.jpg', data: Buffer.from('tiny'), method: 8, declaredSize: 50 },
        { name: 'good.jpg', data: Buffer.from('G'), method: 8 },
      ]),
    );
    const items = await collect([zip]);
    expect(summary(items)).toEqual([
      [`${zip}!big.jpg`, '!file_too_large'],
      [`${zip}!locked.jpg`, '!unsupported_format'],
      [`${zip}!bzip2.jpg`, '!unsupported_format'],
      [`${zip}!badcrc.jpg`, '!corrupt_archive'],
      [`${zip}!lying.jpg`, '!corrupt_archive'],
      [`${zip}!short.jpg`, '!corrupt_archive'],
      [`${zip}!good.jpg`, 'G'],
    ]);
    const messages = items.map((i) => ('error' in i ? i.error.message : ''));
    expect(messages[3]).toMatch(/CRC/);
    expect(messages[4]).toMatch(/larger than its header/);
    expect(messages[5]).toMatch(/smaller than its header/);
  });

  it('takes up to maxZipEntries entries and rejects the whole archive above it', async () => {
    const entries = (n: number) =>
      Array.from({ length: n }, (_, i) => ({ name: `e${i}.jpg`, data: Buffer.from(String(i)) }));
    const atLimit = write('zips/ten.zip', makeZip(entries(LIMITS.maxZipEntries)));
    const over = write('zips/eleven.zip', makeZip(entries(LIMITS.maxZipEntries + 1)));
    const after = write('zips/after.jpg', 'after');
    const items = await collect([atLimit, over, after]);
    expect(items).toHaveLength(LIMITS.maxZipEntries + 2);
    expect(items.slice(0, LIMITS.maxZipEntries).every((i) => 'bytes' in i)).toBe(true);
    expect(summary(items.slice(LIMITS.maxZipEntries))).toEqual([
      [over, '!archive_too_large'],
      [after, 'after'],
    ]);
  });

  it('rejects an archive claiming 65535 entries before reading its central directory', async () => {
    // The directory really holds one entry: had it been read first, yauzl would fail on it.
    const bomb = write(
      'zips/count-bomb.zip',
      makeZip([{ name: 'a.jpg', data: Buffer.from('A') }], { claimedCount: 65535 }),
    );
    const items = await collect([bomb], { ...LIMITS, maxZipEntries: 1000 });
    expect(summary(items)).toEqual([[bomb, '!archive_too_large']]);
  });

  it('rejects the whole archive when declared sizes add up past the total, without inflating anything', async () => {
    // 40 central-directory entries sharing one deflated 4 MiB of zeros (~4 KiB on disk):
    // 160 MiB declared. Each entry alone is within maxFileBytes.
    const zeros = Buffer.alloc(4 * 1024 * 1024);
    const deflated = {
      payload: zlib.deflateRawSync(zeros),
      crc: zlib.crc32(zeros),
      declaredSize: zeros.length,
      method: 8,
    };
    const entries = Array.from({ length: 40 }, (_, i) => ({ name: `z${i}.jpg`, ...deflated }));
    const bytes = makeZip(entries, { shareFirstLocalHeader: true });
    expect(bytes.length).toBeLessThan(64 * 1024);
    const bomb = write('zips/size-bomb.zip', bytes);
    const limits = { maxFileBytes: 8 * 1024 * 1024, maxZipEntries: 100, maxZipTotalBytes: 100 * 1024 * 1024 };
    const started = Date.now();
    const items = await collect([bomb], limits);
    expect(summary(items)).toEqual([[bomb, '!archive_too_large']]);
    expect(Date.now() - started).toBeLessThan(2_000);

    // The same archive under a larger total (and a ratio cap that lets zeros through) is read
    // entry by entry: the limit is what refused it.
    const allowed = await collect([bomb], { ...limits, maxZipTotalBytes: 200 * 1024 * 1024, maxZipRatio: 10_000 });
    expect(allowed).toHaveLength(40);
    expect(allowed.every((i) => 'bytes' in i && i.bytes.length === zeros.length)).toBe(true);
  });

  it('turns a corrupt or truncated archive into one corrupt_archive item', async () => {
    const good = makeZip([
      { name: 'a.jpg', data: Buffer.from('A') },
      { name: 'b.jpg', data: Buffer.from('B') },
    ]);
    const garbage = write('zips/garbage.zip', Buffer.from('this is not a zip file at all, just text'));
    const truncated = write('zips/truncated.zip', good.subarray(0, good.length - 10));
    const empty = write('zips/empty.zip', Buffer.alloc(0));
    // Central directory says stored 1 byte but compressed 5: yauzl refuses the directory.
    const broken = Buffer.from(good);
    const cdStart = good.indexOf(Buffer.from([0x50, 0x4b, 0x01, 0x02]));
    broken.writeUInt32LE(5, cdStart + 20);
    const mismatched = write('zips/mismatched.zip', broken);
    const items = await collect([garbage, truncated, empty, mismatched]);
    expect(summary(items)).toEqual([
      [garbage, '!corrupt_archive'],
      [truncated, '!corrupt_archive'],
      [empty, '!corrupt_archive'],
      [mismatched, '!corrupt_archive'],
    ]);
  });
});
