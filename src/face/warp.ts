import type { Point, RgbImage } from './align.ts';

/**
 * Affine maps between a "view" of a photo (the photo turned, scaled or cut) and the photo itself.
 * The rescue passes detect faces in turned and enlarged views; every box and landmark found there
 * is mapped back through the view's affine, so what is stored is always in the photo's pixels.
 */

/** view (u, v) → photo (a·u + b·v + c, d·u + e·v + f). */
export interface Affine {
  a: number;
  b: number;
  c: number;
  d: number;
  e: number;
  f: number;
}

export const IDENTITY: Affine = { a: 1, b: 0, c: 0, d: 0, e: 1, f: 0 };

export function apply(t: Affine, [u, v]: Point): Point {
  return [t.a * u + t.b * v + t.c, t.d * u + t.e * v + t.f];
}

/** `outer ∘ inner`: first `inner` (patch → view), then `outer` (view → photo). */
export function compose(outer: Affine, inner: Affine): Affine {
  return {
    a: outer.a * inner.a + outer.b * inner.d,
    b: outer.a * inner.b + outer.b * inner.e,
    c: outer.a * inner.c + outer.b * inner.f + outer.c,
    d: outer.d * inner.a + outer.e * inner.d,
    e: outer.d * inner.b + outer.e * inner.e,
    f: outer.d * inner.c + outer.e * inner.f + outer.f,
  };
}

/** The mean colour of a grid of samples: the fill outside a turned photo (no invented edges). */
export function meanColour(img: RgbImage): [number, number, number] {
  const step = Math.max(1, Math.floor(Math.min(img.width, img.height) / 64));
  let r = 0,
    g = 0,
    b = 0,
    n = 0;
  for (let y = 0; y < img.height; y += step) {
    for (let x = 0; x < img.width; x += step) {
      const i = (y * img.width + x) * 3;
      r += img.data[i]!;
      g += img.data[i + 1]!;
      b += img.data[i + 2]!;
      n++;
    }
  }
  return [Math.round(r / n), Math.round(g / n), Math.round(b / n)];
}

/**
 * Sample a `width`×`height` view of `src` through `t` (view pixel → photo point), bilinearly;
 * when the view shrinks the photo by more than 1.5×, each view pixel averages a small grid of
 * samples so fine detail does not alias into false edges. Outside the photo: `fill`.
 */
export function warp(
  src: RgbImage,
  width: number,
  height: number,
  t: Affine,
  fill: [number, number, number] = meanColour(src),
): RgbImage {
  const out = new Uint8Array(width * height * 3);
  const scale = Math.hypot(t.a, t.d);
  const n = Math.max(1, Math.min(4, Math.ceil(scale / 1.5)));
  const { data, width: W, height: H } = src;
  const f0 = fill[0],
    f1 = fill[1],
    f2 = fill[2];
  const inv = 1 / (n * n);
  for (let v = 0; v < height; v++) {
    for (let u = 0; u < width; u++) {
      let r = 0,
        g = 0,
        b = 0;
      for (let sy = 0; sy < n; sy++) {
        for (let sx = 0; sx < n; sx++) {
          const pu = n === 1 ? u : u + (sx + 0.5) / n - 0.5;
          const pv = n === 1 ? v : v + (sy + 0.5) / n - 0.5;
          const x = t.a * pu + t.b * pv + t.c,
            y = t.d * pu + t.e * pv + t.f;
          const x0 = Math.floor(x),
            y0 = Math.floor(y);
          const fx = x - x0,
            fy = y - y0;
          const w00 = (1 - fx) * (1 - fy),
            w10 = fx * (1 - fy),
            w01 = (1 - fx) * fy,
            w11 = fx * fy;
          if (x0 >= 0 && y0 >= 0 && x0 + 1 < W && y0 + 1 < H) {
            const i00 = (y0 * W + x0) * 3,
              i01 = i00 + W * 3;
            r += data[i00]! * w00 + data[i00 + 3]! * w10 + data[i01]! * w01 + data[i01 + 3]! * w11;
            g += data[i00 + 1]! * w00 + data[i00 + 4]! * w10 + data[i01 + 1]! * w01 + data[i01 + 4]! * w11;
            b += data[i00 + 2]! * w00 + data[i00 + 5]! * w10 + data[i01 + 2]! * w01 + data[i01 + 5]! * w11;
          } else {
            // at or past the border: each of the four neighbours is a pixel or the fill
            const ws = [w00, w10, w01, w11];
            const xs = [x0, x0 + 1, x0, x0 + 1],
              ys = [y0, y0, y0 + 1, y0 + 1];
            for (let k = 0; k < 4; k++) {
              const xx = xs[k]!,
                yy = ys[k]!,
                w = ws[k]!;
              if (xx < 0 || yy < 0 || xx >= W || yy >= H) {
                r += f0 * w;
                g += f1 * w;
                b += f2 * w;
              } else {
                const i = (yy * W + xx) * 3;
                r += data[i]! * w;
                g += data[i + 1]! * w;
                b += data[i + 2]! * w;
              }
            }
          }
        }
      }
      const o = (v * width + u) * 3;
      out[o] = Math.round(r * inv);
      out[o + 1] = Math.round(g * inv);
      out[o + 2] = Math.round(b * inv);
    }
  }
  return { data: out, width, height };
}

/**
 * The whole photo turned `degrees` clockwise (y points down, as on screen) about its centre, on a
 * canvas just large enough, scaled by `scale`: a face lying at 90° in the photo stands upright in
 * the view of 90°. Returns the view's size and its view → photo affine.
 */
export function turnedFrame(
  width: number,
  height: number,
  degrees: number,
  scale: number,
): { width: number; height: number; toPhoto: Affine } {
  const th = (degrees * Math.PI) / 180;
  const cos = Math.cos(th),
    sin = Math.sin(th);
  // exact quarter turns: no rounding residue, so boxes map back to whole pixels
  const ac = Math.abs(cos) < 1e-9 ? 0 : Math.abs(cos),
    as = Math.abs(sin) < 1e-9 ? 0 : Math.abs(sin);
  const vw = Math.max(1, Math.round(scale * (ac * width + as * height)));
  const vh = Math.max(1, Math.round(scale * (as * width + ac * height)));
  const cx = width / 2,
    cy = height / 2,
    cu = vw / 2,
    cv = vh / 2;
  // photo = c + R(-θ)·(view - c_view) / scale
  const a = cos / scale,
    b = sin / scale,
    d = -sin / scale,
    e = cos / scale;
  return { width: vw, height: vh, toPhoto: { a, b, c: cx - a * cu - b * cv, d, e, f: cy - d * cu - e * cv } };
}

/** A face-centred, axis-aligned patch of a view (`box` in view pixels), `side` pixels square, as a patch → photo affine. */
export function patchToPhoto(
  view: Affine,
  box: { x: number; y: number; width: number; height: number },
  enlarge: number,
  side: number,
): Affine {
  const s = Math.max(box.width, box.height) * enlarge;
  const k = s / side;
  const x0 = box.x + box.width / 2 - s / 2,
    y0 = box.y + box.height / 2 - s / 2;
  return compose(view, { a: k, b: 0, c: x0, d: 0, e: k, f: y0 });
}
