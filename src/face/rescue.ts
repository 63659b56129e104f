import type { Point, RgbImage } from './align.ts';
import type { DetectionStep } from './quality.ts';
import type { Recipe } from './recipe.ts';
import { nms, sameFace } from './overlap.ts';
import { shapeResidual } from './shape.ts';
import type { Box } from './types.ts';
import { apply, compose, IDENTITY, meanColour, patchToPhoto, turnedFrame, warp, type Affine } from './warp.ts';

/**
 * The rescue cascade (issue 18): what runs when the upright SSD pass keeps no confident face.
 *
 * SSD reads a 512-px input whatever it is given, and a face lying down or in the dark is most
 * often large in its frame; so instead of one SSD pass per orientation, the turned copies of the
 * photo are laid side by side in one 512-px mosaic and searched in one pass (a 250-px portrait
 * loses nothing: SSD would have enlarged it to 512 anyway). A weak detection (under the recipe's
 * `minConfidence`) is kept only when SSD finds it again in an enlarged upright patch; those
 * patches are confirmed four to a mosaic. Every kept face is then described from an upright
 * patch at the photo's own resolution, and its box and landmarks are mapped back to the photo.
 */

export interface Detection {
  box: Box;
  score: number;
}

/** What the cascade needs of the engine: one SSD pass (no tiles) and the landmark net on a patch. */
export interface RescueOps {
  ssd(img: RgbImage, minConfidence: number): Promise<Detection[]>;
  landmarks(patch: RgbImage): Promise<Point[]>;
  enhance(img: RgbImage): Promise<RgbImage>;
  shrink(img: RgbImage, width: number, height: number): Promise<RgbImage>;
}

/** A face the rescue cascade kept: box and landmarks in photo pixels. */
export interface Rescued {
  box: Box;
  score: number;
  rotation: number;
  step: DetectionStep;
  source: RgbImage;
  landmarks: Point[];
  confirmedBy: number | undefined;
}

/** A detection in some view of the photo (`box` in view pixels, `toPhoto` maps them back). */
interface Candidate {
  box: Box;
  score: number;
  toPhoto: Affine;
  source: RgbImage;
  rotation: number;
  step: DetectionStep;
  confirmedBy?: number;
}

const MOSAIC_SIDE = 512;
const CONFIRM_ENLARGE = 2.2;
const MAX_CONFIRMATIONS = 8;
const LANDMARK_INPUT_MAX = 256;

/**
 * Poorly exposed: too dark, too bright or too flat for SSD (measured on a grid of samples). Such
 * a photo is searched, turned and described in its enhanced copy as well.
 */
export function poorlyExposed(img: RgbImage): boolean {
  const step = Math.max(1, Math.floor(Math.min(img.width, img.height) / 64));
  let s = 0,
    s2 = 0,
    n = 0;
  for (let y = 0; y < img.height; y += step) {
    for (let x = 0; x < img.width; x += step) {
      const i = (y * img.width + x) * 3;
      const l = 0.299 * img.data[i]! + 0.587 * img.data[i + 1]! + 0.114 * img.data[i + 2]!;
      s += l;
      s2 += l * l;
      n++;
    }
  }
  const mean = s / n,
    sd = Math.sqrt(Math.max(0, s2 / n - mean * mean));
  return mean < 70 || mean > 200 || sd < 35;
}

/** The bounding box in photo pixels of a view box, clipped. */
export function boxToPhoto(b: Box, t: Affine, width: number, height: number): Box {
  const pts = [
    apply(t, [b.x, b.y]),
    apply(t, [b.x + b.width, b.y]),
    apply(t, [b.x, b.y + b.height]),
    apply(t, [b.x + b.width, b.y + b.height]),
  ];
  const xs = pts.map((p) => p[0]),
    ys = pts.map((p) => p[1]);
  const x0 = Math.max(0, Math.min(...xs)),
    y0 = Math.max(0, Math.min(...ys));
  const x1 = Math.min(width, Math.max(...xs)),
    y1 = Math.min(height, Math.max(...ys));
  return { x: x0, y: y0, width: Math.max(0, x1 - x0), height: Math.max(0, y1 - y0) };
}

/** Degrees in (-180, 180]. */
export function normaliseDegrees(d: number): number {
  let x = ((d % 360) + 360) % 360;
  if (x > 180) x -= 360;
  return x;
}

/** A mosaic tile: sampled from `sample` (perhaps a shrunk copy); found faces are described from `source`, in photo pixels. */
interface Tile {
  sample: RgbImage;
  toSample: Affine;
  toPhoto: Affine;
  source: RgbImage;
  rotation: number;
  step: DetectionStep;
}

/**
 * Lays tiles (each `side` square, sampled from its source through its affine) in a grid, runs
 * SSD once, and hands each detection back to the tile holding it, in that tile's pixels. A
 * detection across a tile border is dropped: it is a seam, not a face.
 */
async function searchMosaic(ops: RescueOps, tiles: Tile[], minConfidence: number): Promise<Candidate[]> {
  const cols = Math.ceil(Math.sqrt(tiles.length));
  const rows = Math.ceil(tiles.length / cols);
  const side = Math.floor(MOSAIC_SIDE / cols);
  const W = cols * side,
    H = rows * side;
  const canvas = new Uint8Array(W * H * 3).fill(128);
  for (const [i, t] of tiles.entries()) {
    const view = warp(t.sample, side, side, t.toSample);
    const ox = (i % cols) * side,
      oy = Math.floor(i / cols) * side;
    for (let y = 0; y < side; y++)
      canvas.set(view.data.subarray(y * side * 3, (y + 1) * side * 3), ((oy + y) * W + ox) * 3);
  }
  const out: Candidate[] = [];
  for (const d of await ops.ssd({ data: canvas, width: W, height: H }, minConfidence)) {
    const col = Math.floor((d.box.x + d.box.width / 2) / side),
      row = Math.floor((d.box.y + d.box.height / 2) / side);
    const i = row * cols + col;
    const t = tiles[i];
    if (!t) continue;
    const x = d.box.x - col * side,
      y = d.box.y - row * side;
    const slack = side * 0.04;
    if (x < -slack || y < -slack || x + d.box.width > side + slack || y + d.box.height > side + slack) continue;
    out.push({
      box: { x, y, width: d.box.width, height: d.box.height },
      score: d.score,
      toPhoto: t.toPhoto,
      source: t.source,
      rotation: t.rotation,
      step: t.step,
    });
  }
  return out;
}

/** A tile showing the whole photo turned `degrees` clockwise, fitted in `side` pixels. */
function turnedTile(
  src: RgbImage,
  toSrc: Affine,
  full: RgbImage,
  degrees: number,
  side: number,
  step: DetectionStep,
): Tile {
  // the frame is computed in the source's pixels (the source may be a shrunk copy of the photo)
  const sw = src.width,
    sh = src.height;
  const unit = turnedFrame(sw, sh, degrees, 1);
  const scale = side / Math.max(unit.width, unit.height);
  const frame = turnedFrame(sw, sh, degrees, scale);
  const offset: Affine = { a: 1, b: 0, c: -(side - frame.width) / 2, d: 0, e: 1, f: -(side - frame.height) / 2 };
  const toSample = compose(frame.toPhoto, offset);
  return { sample: src, toSample, toPhoto: compose(toSrc, toSample), source: full, rotation: degrees, step };
}

/**
 * True when the faces the upright pass found are small in what SSD saw (a group photo, a crowd):
 * the rest of them are likely smaller still, and enlarged tiles find them. Median face side in
 * SSD input pixels under SMALL_IN_SSD, in a photo large enough to tile.
 */
export function smallFacesPhoto(dets: Detection[], width: number, height: number, r: Recipe): boolean {
  if (!r.rescue || r.rescue.tiles === 0 || dets.length === 0 || Math.max(width, height) < r.rescue.tilesFrom)
    return false;
  const k = firstPassZoom(width, height, r);
  const sides = dets.map((d) => Math.max(d.box.width, d.box.height) * k).sort((a, b) => a - b);
  return sides[Math.floor(sides.length / 2)]! < SMALL_IN_SSD;
}
const SMALL_IN_SSD = 40;
const ENHANCED_SIDE = 1024;

/** SSD input pixels per photo pixel in the first pass: the whole photo, or its tiles when it is large (engine.detect). */
function firstPassZoom(width: number, height: number, r: Recipe): number {
  const long = Math.max(width, height);
  const det = Math.min(long, r.detector.maxSide);
  const seen =
    det > r.detector.tileSize * 1.25
      ? Math.max(r.detector.tileSize, Math.ceil(det / (1 + 2 * (1 - r.detector.tileOverlap))))
      : det;
  return (det / long) * (MOSAIC_SIDE / seen);
}
/** Enlarged tiles are about this long (photo pixels) at most, so a tile's faces reach SSD at about 1.1 × or more. */
const TILE_PHOTO_SIDE = 450;

/** `mode` `tiles`: only the enlarged tiles, for a photo of small faces whose upright pass found some. */
export async function rescueFaces(
  ops: RescueOps,
  rgb: RgbImage,
  r: Recipe,
  firstPass: Detection[],
  mode: 'all' | 'tiles' = 'all',
): Promise<Rescued[]> {
  const cfg = r.rescue!;
  const minConfidence = r.detector.minConfidence;
  const cands: Candidate[] = firstPass
    .filter((d) => d.score >= cfg.lowConfidence && d.score < minConfidence)
    .map((d) => ({
      box: d.box,
      score: d.score,
      toPhoto: IDENTITY,
      source: rgb,
      rotation: 0,
      step: 'upright' as const,
    }));
  const confident = () => (mode === 'tiles' ? false : cands.some((c) => c.score >= cfg.below));

  // Enhanced copy: searched upright at full resolution when the photo is poorly exposed, and
  // the source of every turned tile then; otherwise only as the upright tile of the mosaics.
  // The full-size enhanced copy only for a poorly exposed photo (its faces are described from
  // it); otherwise the mosaics' upright tile is enhanced from the shrunk copy, which costs nothing.
  const poor = cfg.enhance && mode === 'all' && poorlyExposed(rgb);
  const enhanced = poor ? await ops.enhance(rgb) : rgb;
  const source = enhanced;
  if (poor) {
    // one pass at ≤ 1024 px (a large dark photo's small faces are left to the enhanced tiles)
    const k = Math.min(1, ENHANCED_SIDE / Math.max(rgb.width, rgb.height));
    const w = Math.max(1, Math.round(rgb.width * k)),
      h = Math.max(1, Math.round(rgb.height * k));
    const view = k < 1 ? await ops.shrink(enhanced, w, h) : enhanced;
    const toPhoto: Affine = { a: rgb.width / w, b: 0, c: 0, d: 0, e: rgb.height / h, f: 0 };
    for (const d of await ops.ssd(view, cfg.lowConfidence))
      cands.push({ box: d.box, score: d.score, toPhoto, source: enhanced, rotation: 0, step: 'enhance' });
  }

  // Mosaic tiles are sampled from copies shrunk near their size (area averaging, not aliasing).
  const small = async (img: RgbImage, side: number): Promise<{ img: RgbImage; toSrc: Affine }> => {
    const k = Math.min(1, (side * 1.5) / Math.max(img.width, img.height));
    if (k >= 1) return { img, toSrc: IDENTITY };
    const w = Math.max(1, Math.round(img.width * k)),
      h = Math.max(1, Math.round(img.height * k));
    return { img: await ops.shrink(img, w, h), toSrc: { a: img.width / w, b: 0, c: 0, d: 0, e: img.height / h, f: 0 } };
  };
  for (const turns of mode === 'all' ? cfg.mosaics : []) {
    if (confident()) break;
    const cols = Math.ceil(Math.sqrt(turns.length));
    const side = Math.floor(MOSAIC_SIDE / cols);
    const src = await small(source, side);
    const enh = poor || !cfg.enhance ? src : { img: await ops.enhance(src.img), toSrc: src.toSrc };
    const tiles = turns.map((deg) =>
      deg === 0
        ? turnedTile(enh.img, enh.toSrc, enhanced, 0, side, 'enhance')
        : turnedTile(src.img, src.toSrc, source, deg, side, 'turn'),
    );
    cands.push(...(await searchMosaic(ops, tiles, cfg.lowConfidence)));
  }

  // Small faces in a larger photo: enlarged overlapping tiles, one SSD pass each.
  const n = Math.min(cfg.tiles, Math.max(2, Math.ceil(Math.max(rgb.width, rgb.height) / TILE_PHOTO_SIDE))),
    overlap = 0.25;
  const tw = rgb.width / (1 + (n - 1) * (1 - overlap)),
    th = rgb.height / (1 + (n - 1) * (1 - overlap));
  const k = Math.max(tw, th) / MOSAIC_SIDE;
  // only where the tiles show faces at least 1.5 × larger than the first pass did (a 12 MP photo
  // was already tiled as finely by it)
  if (
    !confident() &&
    cfg.tiles > 1 &&
    Math.max(rgb.width, rgb.height) >= cfg.tilesFrom &&
    firstPassZoom(rgb.width, rgb.height, r) * 1.5 <= 1 / k
  ) {
    const w = Math.max(1, Math.round(tw / k)),
      h = Math.max(1, Math.round(th / k));
    for (let iy = 0; iy < n; iy++) {
      for (let ix = 0; ix < n; ix++) {
        const toPhoto: Affine = { a: k, b: 0, c: ix * tw * (1 - overlap), d: 0, e: k, f: iy * th * (1 - overlap) };
        const view = warp(source, w, h, toPhoto);
        for (const d of await ops.ssd(view, cfg.lowConfidence)) {
          const edge = 2; // a face cut by an inner edge is found whole by the neighbouring tile
          if (
            (ix > 0 && d.box.x <= edge) ||
            (iy > 0 && d.box.y <= edge) ||
            (ix < n - 1 && d.box.x + d.box.width >= w - edge) ||
            (iy < n - 1 && d.box.y + d.box.height >= h - edge)
          )
            continue;
          cands.push({ box: d.box, score: d.score, toPhoto, source, rotation: 0, step: 'tiles' });
        }
      }
    }
  }

  // Each face once, best first, in photo pixels; then the weak ones must be found again.
  const inPhoto = cands.map((c, i) => ({
    box: boxToPhoto(c.box, c.toPhoto, rgb.width, rgb.height),
    score: c.score,
    i,
  }));
  const order = nms(inPhoto).map((k) => k.i);
  const strong = order.filter((i) => cands[i]!.score >= minConfidence).map((i) => cands[i]!);
  const weak = order
    .filter((i) => cands[i]!.score < minConfidence)
    .slice(0, MAX_CONFIRMATIONS)
    .map((i) => cands[i]!);
  const confirmed: Candidate[] = [];
  for (let i = 0; i < weak.length; i += 4)
    confirmed.push(...(await confirmBatch(ops, weak.slice(i, i + 4), cfg.confirm)));

  const kept: Rescued[] = [];
  for (const first of [...strong, ...confirmed]) {
    let c = first;
    let landmarks = await landmarksOf(ops, c);
    // A face SSD scored best in the wrong orientation (a face lying down, found upright too)
    // gets landmarks of no face's shape (shape.ts): the same face seen in another orientation,
    // found as surely, is described instead when its shape is a face's.
    if (cfg.maxShapeResidual !== undefined && shapeResidual(landmarks) > cfg.maxShapeResidual) {
      const at = boxToPhoto(c.box, c.toPhoto, rgb.width, rgb.height);
      const others = cands
        .filter(
          (o) =>
            o !== c &&
            o.score >= minConfidence &&
            o.rotation !== c.rotation &&
            sameFace(at, boxToPhoto(o.box, o.toPhoto, rgb.width, rgb.height)),
        )
        .sort((a, b) => b.score - a.score)
        .slice(0, MAX_REORIENT_TRIES);
      for (const o of others) {
        const lm = await landmarksOf(ops, o);
        if (shapeResidual(lm) <= cfg.maxShapeResidual) {
          c = o;
          landmarks = lm;
          break;
        }
      }
    }
    const box = boxToPhoto(c.box, c.toPhoto, rgb.width, rgb.height);
    if (box.width < 8 || box.height < 8) continue;
    kept.push({
      box,
      score: c.score,
      rotation: normaliseDegrees(c.rotation),
      step: c.step,
      source: c.source,
      landmarks,
      confirmedBy: c.confirmedBy,
    });
  }
  return kept;
}

/** Other orientations of one face tried for a face-shaped fit: each costs a landmark pass. */
const MAX_REORIENT_TRIES = 3;

/**
 * Weak detections are faces when SSD, shown an upright patch 2.2 × their box centred on them
 * (SSD reads best a face filling about half its frame), finds a face there again at
 * `threshold` or more, centred and of a plausible size. Up to four patches share one pass.
 */
async function confirmBatch(ops: RescueOps, weak: Candidate[], threshold: number): Promise<Candidate[]> {
  const side = MOSAIC_SIDE / 2;
  const tiles: Tile[] = weak.map((c) => {
    const toPhoto = patchToPhoto(c.toPhoto, c.box, CONFIRM_ENLARGE, side);
    return { sample: c.source, toSample: toPhoto, toPhoto, source: c.source, rotation: c.rotation, step: c.step };
  });
  const found = await searchMosaic(ops, tiles, threshold);
  const out: Candidate[] = [];
  for (const [i, c] of weak.entries()) {
    const t = tiles[i]!;
    const best = found
      .filter((d) => d.toPhoto === t.toPhoto)
      .filter((d) => {
        const cx = d.box.x + d.box.width / 2,
          cy = d.box.y + d.box.height / 2;
        const size = Math.max(d.box.width, d.box.height) / side;
        return Math.abs(cx - side / 2) < side * 0.2 && Math.abs(cy - side / 2) < side * 0.2 && size > 0.2 && size < 0.8;
      })
      .sort((a, b) => b.score - a.score)[0];
    if (best) out.push({ ...c, box: best.box, toPhoto: t.toPhoto, confirmedBy: best.score });
  }
  return out;
}

/** 68 landmarks, in photo pixels, of a face found in a view: the net reads an upright patch of it. */
async function landmarksOf(ops: RescueOps, c: Candidate): Promise<Point[]> {
  const photoSide = Math.max(c.box.width, c.box.height) * Math.hypot(c.toPhoto.a, c.toPhoto.d);
  const side = Math.max(112, Math.min(LANDMARK_INPUT_MAX, Math.round(photoSide)));
  const toPhoto = patchToPhoto(c.toPhoto, c.box, 1, side);
  const patch = warp(c.source, side, side, toPhoto, meanColour(c.source));
  return (await ops.landmarks(patch)).map((p) => apply(toPhoto, p));
}
