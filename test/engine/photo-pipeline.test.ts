import path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createFaceEngine, type FaceAnalyser, type FaceEngine } from '../../src/face/index.ts';
import { processPhoto } from '../../src/ingest/process.ts';
import { LFW_IMAGES } from '../support/fixtures.ts';

// The one photo pipeline on the real engine: decoded once, faces found in those pixels, and the
// display copy and every crop cut from them.

const limits = { maxBytes: 20 * 1024 * 1024, maxPixels: 50e6 };
const photo = (name: string, n: number) => path.join(LFW_IMAGES, name, `${name}_${String(n).padStart(4, '0')}.jpg`);

let engine: FaceEngine;
/** The real engine, counting how it is asked: a file to decode, or pixels already decoded. */
let calls: { analyse: number; analyseImage: number };
let counted: FaceAnalyser;

beforeAll(async () => {
  engine = await createFaceEngine({ limits });
  calls = { analyse: 0, analyseImage: 0 };
  counted = {
    backend: engine.backend,
    modelId: engine.modelId,
    analyse: (b, o) => (calls.analyse++, engine.analyse(b, o)),
    analyseImage: (img, o) => (calls.analyseImage++, engine.analyseImage(img, o)),
    close: () => engine.close(),
  };
});
afterAll(async () => {
  await engine?.close();
});

describe('processPhoto', () => {
  it('gives each face of a group photo its crop, cut from pixels decoded once, and the same faces as analysing the file', async () => {
    const people: Array<[string, number, number]> = [
      ['Colin_Powell', 74, 260],
      ['Laura_Bush', 4, 220],
      ['Mel_Gibson', 1, 180],
    ];
    const tiles = await Promise.all(
      people.map(([n, i, s]) =>
        sharp(photo(n, i)).extract({ left: 40, top: 40, width: 170, height: 170 }).resize(s, s).toBuffer(),
      ),
    );
    // stored sideways with an EXIF orientation, as a phone does: boxes must be in upright pixels
    const upright = await sharp({ create: { width: 900, height: 420, channels: 3, background: '#404040' } })
      .composite([
        { input: tiles[0]!, left: 20, top: 60 },
        { input: tiles[1]!, left: 360, top: 100 },
        { input: tiles[2]!, left: 660, top: 20 },
      ])
      .jpeg({ quality: 92 })
      .toBuffer();
    const stored = await sharp(upright).rotate(270).withMetadata({ orientation: 6 }).jpeg({ quality: 92 }).toBuffer();

    const p = await processPhoto({ faces: counted, limits }, stored);
    expect(calls).toEqual({ analyse: 0, analyseImage: 1 });
    expect([p.width, p.height]).toEqual([900, 420]);
    expect(p.faces).toHaveLength(3);
    const direct = await engine.analyse(stored);
    expect(p.faces.map((f) => f.box)).toEqual(direct.faces.map((f) => f.box));
    for (const [i, f] of p.faces.entries()) {
      expect(f.embedding).toEqual(direct.faces[i]!.embedding);
      const meta = await sharp(f.crop).metadata();
      expect(meta.format).toBe('jpeg');
      expect(Math.max(meta.width!, meta.height!)).toBeLessThanOrEqual(256);
      // the crop shows this face: its centre pixel matches the upright photo's at the box centre
      const cx = Math.round(f.box.x + f.box.width / 2),
        cy = Math.round(f.box.y + f.box.height / 2);
      const a = await sharp(upright)
        .extract({ left: cx - 4, top: cy - 4, width: 8, height: 8 })
        .resize(1, 1)
        .raw()
        .toBuffer();
      const b = await sharp(f.crop)
        .extract({ left: Math.floor(meta.width! / 2) - 4, top: Math.floor(meta.height! / 2) - 4, width: 8, height: 8 })
        .resize(1, 1)
        .raw()
        .toBuffer();
      for (let k = 0; k < 3; k++) expect(Math.abs(a[k]! - b[k]!)).toBeLessThan(30);
    }
    const display = await sharp(p.display).metadata();
    expect([display.width, display.height, display.orientation, display.exif]).toEqual([
      900,
      420,
      undefined,
      undefined,
    ]);
  });

  it('refuses a damaged file before the engine sees it', async () => {
    calls = { analyse: 0, analyseImage: 0 };
    const truncated = (await sharp(photo('Colin_Powell', 74)).jpeg().toBuffer()).subarray(0, 2000);
    await expect(processPhoto({ faces: counted, limits }, truncated)).rejects.toMatchObject({ code: 'corrupt_image' });
    expect(calls).toEqual({ analyse: 0, analyseImage: 0 });
  });
});
