import { describe, expect, it } from 'vitest';
import type { Point } from '../../src/face/align.ts';
import { shapeResidual } from '../../src/face/shape.ts';

// A face's landmarks, in photo pixels: the 68 points of an upright face centred at (120, 130).
// Taken from the engine's answer on an lfw-dev portrait (rounded); the rule is pure geometry.
const FACE: Point[] = [
  [77, 118],
  [78, 130],
  [80, 142],
  [82, 153],
  [86, 164],
  [93, 174],
  [101, 181],
  [111, 187],
  [122, 189],
  [133, 186],
  [142, 180],
  [150, 172],
  [156, 162],
  [159, 151],
  [161, 140],
  [162, 128],
  [162, 116],
  [86, 106],
  [92, 102],
  [100, 101],
  [108, 101],
  [114, 103],
  [128, 103],
  [134, 100],
  [141, 99],
  [149, 100],
  [154, 104],
  [121, 113],
  [121, 121],
  [122, 128],
  [122, 136],
  [113, 141],
  [117, 142],
  [122, 143],
  [126, 142],
  [130, 141],
  [95, 114],
  [99, 112],
  [104, 112],
  [109, 115],
  [104, 116],
  [99, 116],
  [133, 115],
  [138, 112],
  [143, 112],
  [147, 114],
  [143, 116],
  [138, 116],
  [107, 159],
  [113, 155],
  [118, 153],
  [122, 154],
  [126, 153],
  [131, 155],
  [137, 158],
  [132, 163],
  [127, 165],
  [122, 166],
  [118, 165],
  [112, 163],
  [110, 159],
  [118, 157],
  [122, 157],
  [126, 157],
  [134, 158],
  [127, 160],
  [122, 161],
  [117, 160],
];

const turn = (pts: Point[], deg: number, k = 1, dx = 0, dy = 0): Point[] => {
  const t = (deg * Math.PI) / 180;
  return pts.map(([x, y]) => [
    k * (x * Math.cos(t) - y * Math.sin(t)) + dx,
    k * (x * Math.sin(t) + y * Math.cos(t)) + dy,
  ]);
};

describe('shapeResidual: is this a face’s shape', () => {
  it('fits a face wherever it is, at any size and in-plane rotation', () => {
    expect(shapeResidual(FACE)).toBeLessThan(0.03);
    for (const deg of [30, 90, 180, -120])
      expect(Math.abs(shapeResidual(turn(FACE, deg, 2.5, 400, -30)) - shapeResidual(FACE))).toBeLessThan(1e-6);
  });

  it('does not fit the crushed or shuffled answers the landmark net gives for a face it cannot read', () => {
    // squeezed to a third of its width (what a face lying on its side read upright looks like)
    const squeezed: Point[] = FACE.map(([x, y]) => [120 + (x - 120) / 3, y]);
    expect(shapeResidual(squeezed)).toBeGreaterThan(0.05);
    // the jaw's points in reverse order against the rest: no similarity transform fits it
    const twisted: Point[] = FACE.map((p, i) => (i < 17 ? FACE[16 - i]! : p)).map(([x, y], i) =>
      i < 17 ? [x, 260 - y] : [x, y],
    );
    expect(shapeResidual(twisted)).toBeGreaterThan(0.05);
    expect(shapeResidual(FACE.slice(0, 60))).toBe(1);
  });
});
