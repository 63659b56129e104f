import { describe, expect, it } from 'vitest';
import { EYE_LINE_FLAT_BELOW, eyeLine } from '../../src/face/quality.ts';

// Pure logic of the eye-line measure on drawn 150-px chips (no face engine).
const SIZE = 150;
function chip(paint: (x: number, y: number) => number): Uint8Array {
  const c = new Uint8Array(SIZE * SIZE * 3);
  for (let y = 0; y < SIZE; y++) {
    for (let x = 0; x < SIZE; x++) {
      const v = paint(x, y);
      c.set([v, v * 0.8, v * 0.7], (y * SIZE + x) * 3);
    }
  }
  return c;
}
const skin = 170;
const eye = (x: number, y: number) =>
  Math.hypot(x - 51, (y - 46) * 1.6) < 12 || Math.hypot(x - 99, (y - 46) * 1.6) < 12;
// a cloth band across the eyes with a fine weave: detail, but one tone along the line
const weave = (x: number, y: number) => 40 + 12 * Math.sin(x * 0.9) * Math.sin(y * 0.9);

describe('eye line', () => {
  it('reads two dark eyes beside a bright bridge of the nose as open', () => {
    expect(
      eyeLine(
        chip((x, y) => (eye(x, y) ? 60 : skin)),
        SIZE,
      ),
    ).toBeGreaterThan(EYE_LINE_FLAT_BELOW * 2);
  });

  it('reads a woven band from temple to temple as covered, a white bandage too', () => {
    expect(
      eyeLine(
        chip((x, y) => (y >= 30 && y < 62 ? weave(x, y) : skin)),
        SIZE,
      ),
    ).toBeLessThan(EYE_LINE_FLAT_BELOW);
    expect(
      eyeLine(
        chip((x, y) => (y >= 30 && y < 62 ? 235 : skin)),
        SIZE,
      ),
    ).toBeLessThan(EYE_LINE_FLAT_BELOW);
  });

  it('measures against the face’s own spread: the same face in half the light, or faded to a third of its contrast, measures alike', () => {
    const lit = eyeLine(
      chip((x, y) => (eye(x, y) ? 60 : skin)),
      SIZE,
    );
    expect(
      eyeLine(
        chip((x, y) => (eye(x, y) ? 30 : skin / 2)),
        SIZE,
      ),
    ).toBeCloseTo(lit, 2);
    expect(
      eyeLine(
        chip((x, y) => 128 + ((eye(x, y) ? 60 : skin) - 128) / 3),
        SIZE,
      ),
    ).toBeCloseTo(lit, 1);
  });

  it('reads a chip of one tone as flat without dividing by nothing', () => {
    expect(
      eyeLine(
        chip(() => 90),
        SIZE,
      ),
    ).toBeCloseTo(0, 6);
  });

  it('scales with the chip: the same drawing at 300 px measures alike', () => {
    const big = 300;
    const c = new Uint8Array(big * big * 3);
    for (let y = 0; y < big; y++)
      for (let x = 0; x < big; x++) {
        const v = eye(x / 2, y / 2) ? 60 : skin;
        c.set([v, v * 0.8, v * 0.7], (y * big + x) * 3);
      }
    const small = eyeLine(
      chip((x, y) => (eye(x, y) ? 60 : skin)),
      SIZE,
    );
    expect(eyeLine(c, big)).toBeCloseTo(small, 1);
  });
});
