import { readFileSync } from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import { beforeAll, describe, expect, it } from 'vitest';
import { isKinfinderError } from '../../src/errors.ts';
import { jpegClaiming } from '../support/jpeg.ts';
import {
  displayJpeg,
  displayJpegOf,
  faceCropOf,
  normalise,
  sniffFormat,
  type ImageLimits,
} from '../../src/image/index.ts';

const LFW = path.join(import.meta.dirname, '..', 'fixtures', 'lfw', 'images');
const limits: ImageLimits = { maxPixels: 50e6, maxBytes: 20 * 1024 * 1024 };

/** Rejects with a KinfinderError of this code. */
async function expectCode(p: Promise<unknown>, code: string): Promise<void> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err, `expected ${code}`).toBeDefined();
  expect(isKinfinderError(err) ? err.code : String(err)).toBe(code);
}

function meanAbsDiff(a: Uint8Array, b: Uint8Array): number {
  expect(a.length).toBe(b.length);
  let s = 0;
  for (let i = 0; i < a.length; i++) s += Math.abs(a[i]! - b[i]!);
  return s / a.length;
}

let upright: Buffer; // 250×350 upright RGB JPEG (an LFW face with a grey strip below)
let uprightRaw: Buffer;

beforeAll(async () => {
  const face = readFileSync(path.join(LFW, 'Aaron_Peirsol', 'Aaron_Peirsol_0001.jpg'));
  upright = await sharp(face)
    .extend({ bottom: 100, background: { r: 128, g: 128, b: 128 } })
    .jpeg({ quality: 95 })
    .toBuffer();
  uprightRaw = (await normalise(upright, limits)).data;
});

describe('sniffFormat', () => {
  it('recognises the accepted formats from their bytes', async () => {
    const base = sharp({ create: { width: 8, height: 8, channels: 3, background: '#808080' } });
    expect(sniffFormat(await base.clone().jpeg().toBuffer())).toBe('jpeg');
    expect(sniffFormat(await base.clone().png().toBuffer())).toBe('png');
    expect(sniffFormat(await base.clone().webp().toBuffer())).toBe('webp');
    expect(sniffFormat(await base.clone().gif().toBuffer())).toBe('gif');
    expect(sniffFormat(await base.clone().tiff().toBuffer())).toBe('tiff');
    expect(sniffFormat(await base.clone().avif().toBuffer())).toBe('avif');
    const heic = Buffer.concat([
      Buffer.from([0, 0, 0, 24]),
      Buffer.from('ftypheic'),
      Buffer.from([0, 0, 0, 0]),
      Buffer.from('mif1heic'),
    ]);
    expect(sniffFormat(heic)).toBe('heif');
  });

  it('ignores names and refuses text, empty input and unknown bytes', () => {
    expect(() => sniffFormat(new Uint8Array())).toThrow(expect.objectContaining({ code: 'empty_file' }));
    expect(() => sniffFormat(Buffer.from('hello, this is a text file\n'))).toThrow(
      expect.objectContaining({ code: 'unsupported_format' }),
    );
    expect(() => sniffFormat(Buffer.from('<svg xmlns="http://www.w3.org/2000/svg"/>'))).toThrow(
      expect.objectContaining({ code: 'unsupported_format' }),
    );
    expect(() => sniffFormat(Buffer.from([0xff, 0xd8]))).toThrow(
      expect.objectContaining({ code: 'unsupported_format' }),
    );
  });
});

describe('normalise', () => {
  it('returns upright sRGB 8-bit RGB', async () => {
    const img = await normalise(upright, limits);
    expect([img.width, img.height, img.format]).toEqual([250, 350, 'jpeg']);
    expect(img.data.length).toBe(250 * 350 * 3);
  });

  it.each([6, 8, 3])('applies EXIF orientation %i', async (orientation) => {
    // store the pixels turned so that the orientation tag turns them back
    const undo = { 6: 270, 8: 90, 3: 180 }[orientation]!;
    const stored = await sharp(upright).rotate(undo).withMetadata({ orientation }).jpeg({ quality: 95 }).toBuffer();
    const meta = await sharp(stored).metadata();
    expect(meta.orientation).toBe(orientation);
    const img = await normalise(stored, limits);
    expect([img.width, img.height]).toEqual([250, 350]);
    expect(meanAbsDiff(img.data, uprightRaw)).toBeLessThan(6);
  });

  it('converts CMYK, 16-bit PNG, greyscale, alpha, WebP, GIF, TIFF and AVIF', async () => {
    const cmyk = await sharp(upright).toColourspace('cmyk').jpeg({ quality: 95 }).toBuffer();
    expect((await sharp(cmyk).metadata()).space).toBe('cmyk');
    const png16 = await sharp(upright).toColourspace('rgb16').png().toBuffer();
    expect((await sharp(png16).metadata()).depth).toBe('ushort');
    const grey = await sharp(upright).toColourspace('b-w').jpeg().toBuffer();
    expect((await sharp(grey).metadata()).channels).toBe(1);
    const alpha = await sharp(upright).ensureAlpha(0.5).png().toBuffer();
    const cases: Array<[string, Buffer, number]> = [
      ['cmyk', cmyk, 15],
      ['png16', png16, 2],
      ['grey', grey, 25],
      ['alpha', alpha, 70],
      ['webp', await sharp(upright).webp({ quality: 95 }).toBuffer(), 6],
      ['gif', await sharp(upright).gif().toBuffer(), 20],
      ['tiff', await sharp(upright).tiff().toBuffer(), 2],
      ['avif', await sharp(upright).avif({ quality: 80 }).toBuffer(), 8],
    ];
    for (const [name, bytes, maxDiff] of cases) {
      const img = await normalise(bytes, limits);
      expect([name, img.width, img.height, img.data.length]).toEqual([name, 250, 350, 250 * 350 * 3]);
      expect(meanAbsDiff(img.data, uprightRaw), name).toBeLessThan(maxDiff);
    }
  });

  it('takes the first frame of an animated GIF', async () => {
    const red = await sharp({ create: { width: 16, height: 16, channels: 3, background: '#ff0000' } })
      .raw()
      .toBuffer();
    const blue = await sharp({ create: { width: 16, height: 16, channels: 3, background: '#0000ff' } })
      .raw()
      .toBuffer();
    const gif = await sharp(Buffer.concat([red, blue]), {
      raw: { width: 16, height: 32, channels: 3, pageHeight: 16 } as never,
    })
      .gif()
      .toBuffer();
    expect((await sharp(gif).metadata()).pages).toBe(2);
    const img = await normalise(gif, limits);
    expect([img.width, img.height]).toEqual([16, 16]);
    expect(img.data[0]).toBeGreaterThan(200);
    expect(img.data[2]).toBeLessThan(50);
  });

  it('refuses a JPEG header claiming 60000×60000 pixels fast, without decoding', async () => {
    const bomb = jpegClaiming(upright, 60000, 60000);
    const rss = process.memoryUsage().rss;
    const t0 = performance.now();
    await expectCode(normalise(bomb, limits), 'too_many_pixels');
    expect(performance.now() - t0).toBeLessThan(1000);
    expect(process.memoryUsage().rss - rss).toBeLessThan(200 * 1024 * 1024);
  });

  it('enforces the pixel cap from the header even for a small file', async () => {
    const png = await sharp({ create: { width: 3000, height: 2000, channels: 3, background: '#000' } })
      .png()
      .toBuffer();
    await expectCode(normalise(png, { maxPixels: 5e6, maxBytes: limits.maxBytes }), 'too_many_pixels');
    await expect(normalise(png, { maxPixels: 6e6, maxBytes: limits.maxBytes })).resolves.toMatchObject({
      width: 3000,
      height: 2000,
    });
  });

  it('gives typed errors for truncated, text, empty and oversized input', async () => {
    const t0 = performance.now();
    await expectCode(normalise(upright.subarray(0, Math.floor(upright.length * 0.6)), limits), 'corrupt_image');
    await expectCode(normalise(Buffer.from('just some text\n'.repeat(50)), limits), 'unsupported_format');
    await expectCode(normalise(new Uint8Array(), limits), 'empty_file');
    await expectCode(normalise(upright, { maxPixels: limits.maxPixels, maxBytes: 1000 }), 'file_too_large');
    // garbage after a valid signature
    await expectCode(
      normalise(Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0]), Buffer.alloc(500, 7)]), limits),
      'corrupt_image',
    );
    expect(performance.now() - t0).toBeLessThan(2000);
  });
});

describe('display copies and face crops', () => {
  it('makes an upright, metadata-free JPEG within maxSide', async () => {
    const stored = await sharp(upright).rotate(270).withMetadata({ orientation: 6 }).jpeg().toBuffer();
    const out = await displayJpeg(stored, limits, 200);
    const meta = await sharp(out).metadata();
    expect(meta.format).toBe('jpeg');
    expect(meta.orientation).toBeUndefined();
    expect(meta.exif).toBeUndefined();
    expect(meta.icc).toBeUndefined();
    expect(Math.max(meta.width!, meta.height!)).toBe(200);
    expect(meta.height! > meta.width!).toBe(true);
    await expectCode(displayJpeg(jpegClaiming(upright, 60000, 60000), limits), 'too_many_pixels');
  });

  it('crops a face box with margin in upright coordinates', async () => {
    const stored = await sharp(upright).rotate(270).withMetadata({ orientation: 6 }).jpeg({ quality: 95 }).toBuffer();
    const box = { x: 80, y: 70, width: 90, height: 110 };
    const crop = await faceCropOf(await normalise(stored, limits), box, 128);
    const meta = await sharp(crop).metadata();
    expect(meta.format).toBe('jpeg');
    expect(Math.max(meta.width!, meta.height!)).toBe(128);
    // same content as cropping the upright photo directly
    const direct = await faceCropOf(await normalise(upright, limits), box, 128);
    const a = await sharp(crop).resize(32, 32).raw().toBuffer();
    const b = await sharp(direct).resize(32, 32).raw().toBuffer();
    expect(meanAbsDiff(a, b)).toBeLessThan(8);
    await expectCode(
      faceCropOf(await normalise(upright, limits), { x: 5000, y: 5000, width: 10, height: 10 }),
      'invalid_input',
    );
  });

  it('makes the same display copy from decoded pixels as from the file', async () => {
    const stored = await sharp(upright).rotate(270).withMetadata({ orientation: 6 }).jpeg({ quality: 95 }).toBuffer();
    const fromPixels = await displayJpegOf(await normalise(stored, limits), 200);
    const fromFile = await displayJpeg(stored, limits, 200);
    const [a, b] = [await sharp(fromPixels).metadata(), await sharp(fromFile).metadata()];
    expect([a.width, a.height]).toEqual([b.width, b.height]);
    expect(a.exif).toBeUndefined();
    expect(a.orientation).toBeUndefined();
    const pa = await sharp(fromPixels).resize(32, 32).raw().toBuffer();
    const pb = await sharp(fromFile).resize(32, 32).raw().toBuffer();
    expect(meanAbsDiff(pa, pb)).toBeLessThan(8);
  });
});
