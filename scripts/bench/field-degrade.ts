/**
 * The degradations of the field benchmark (bench:field): what archive photos of prisoners and of
 * the dead suffer, applied to a clean portrait with sharp and plain pixel arithmetic, all
 * deterministic (seeded noise). Each returns the degraded JPEG and where the face now is, so the
 * benchmark can tell the face found from a false detection.
 */
import sharp, { type OverlayOptions, type Sharp } from 'sharp';

export type Point = [number, number];

/** Where the face of the clean portrait is: its centre, size, eye centres and mouth/jaw points. */
export interface FaceSpot {
  centre: Point;
  size: number;
  eyes: [Point, Point];
  mouth: Point;
  chin: Point;
}

export interface Subject {
  person: number;
  centre: Point;
  size: number;
}
export interface Degraded {
  bytes: Buffer;
  subjects: Subject[];
}

export const KINDS = [
  'small',
  'blur',
  'jpeg',
  'dark',
  'grey',
  'eyes',
  'jaw',
  'rot90',
  'rot180',
  'rot270',
  'tilt',
  'lying-tilt',
  'print',
  // harder than one degradation at a time: what the archive's worst photos combine
  'tiny',
  'far',
  'night',
  'lying-dark',
] as const;
export type Kind = (typeof KINDS)[number];

export const KIND_NOTES: Record<Kind | 'group' | 'clean', string> = {
  clean: 'the archive photo as it is (250 px lfw-dev portrait)',
  small: 'shrunk to 64 px (face ≈ 28 px) on a 256 px textured canvas',
  blur: 'Gaussian blur σ 3.5',
  jpeg: 'JPEG quality 6',
  dark: 'brightness × 0.2, Gaussian noise σ 5',
  grey: 'greyscale, contrast × 0.3 around mid-grey',
  eyes: 'blindfold: a dark cloth band over both eyes',
  jaw: 'bandage: a white band over mouth and jaw',
  rot90: 'lying down: turned 90° clockwise',
  rot180: 'upside down: turned 180°',
  rot270: 'lying down: turned 90° anticlockwise',
  tilt: 'tilted ±30°',
  'lying-tilt': 'lying down and tilted: turned 90° ± 25° (either side)',
  print: 'old print: sepia, faded, soft, grain, scratches, JPEG 40',
  tiny: 'shrunk to 40 px (face ≈ 17 px), enlarged back to 160 px (a thumbnail saved large)',
  far: 'face ≈ 22 px in a 640 × 480 textured scene (too small a photo for the enlarged tiles of large ones)',
  night: 'phone photo at night: brightness × 0.35, blur σ 1.5, noise σ 8, JPEG 25',
  'lying-dark': 'lying down in the dark: turned 90° (either side), brightness × 0.3, noise σ 6, JPEG 50',
  group: '12 people in two rows on an 800 × 500 canvas, faces ≈ 36 px',
};

/** A small seeded PRNG (mulberry32) and a Gaussian from it: the same photo degrades the same way every run. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
function gauss(r: () => number): number {
  return Math.sqrt(-2 * Math.log(Math.max(1e-12, r()))) * Math.cos(2 * Math.PI * r());
}

interface Raw {
  data: Buffer;
  width: number;
  height: number;
}
async function raw(bytes: Buffer | Sharp): Promise<Raw> {
  const s = Buffer.isBuffer(bytes) ? sharp(bytes) : bytes;
  const { data, info } = await s.removeAlpha().toColourspace('srgb').raw().toBuffer({ resolveWithObject: true });
  return { data, width: info.width, height: info.height };
}
const jpeg = (r: Raw, quality = 90) =>
  sharp(r.data, { raw: { width: r.width, height: r.height, channels: 3 } })
    .jpeg({ quality })
    .toBuffer();
const clamp = (x: number) => Math.max(0, Math.min(255, Math.round(x)));
/** Every channel × k: a photo taken with too little light (before its noise is added). */
const darken = (r: Raw, k: number): Raw => ({ ...r, data: Buffer.from(r.data.map((v) => clamp(v * k))) });

/** Texture without faces: the photo cut into 12-px blocks, shuffled, blurred a little. */
export async function shuffledTexture(bytes: Buffer, width: number, height: number, seed: number): Promise<Raw> {
  const src = await raw(sharp(bytes).resize(width, height, { fit: 'fill' }));
  const b = 12,
    cols = Math.floor(width / b),
    rows = Math.floor(height / b);
  const order = Array.from({ length: cols * rows }, (_, i) => i);
  const r = rng(seed);
  for (let i = order.length - 1; i > 0; i--) {
    const j = Math.floor(r() * (i + 1));
    [order[i], order[j]] = [order[j]!, order[i]!];
  }
  const out = Buffer.alloc(width * height * 3, 128);
  order.forEach((from, to) => {
    const fx = (from % cols) * b,
      fy = Math.floor(from / cols) * b,
      tx = (to % cols) * b,
      ty = Math.floor(to / cols) * b;
    for (let y = 0; y < b; y++)
      src.data.copy(out, ((ty + y) * width + tx) * 3, ((fy + y) * width + fx) * 3, ((fy + y) * width + fx + b) * 3);
  });
  return raw(sharp(out, { raw: { width, height, channels: 3 } }).blur(1.5));
}

function addNoise(r: Raw, sigma: number, seed: number): Raw {
  const g = rng(seed);
  const out = Buffer.alloc(r.data.length);
  for (let i = 0; i < r.data.length; i += 3) {
    const n = gauss(g) * sigma; // luminance noise, as film grain and sensor noise mostly are
    for (let c = 0; c < 3; c++) out[i + c] = clamp(r.data[i + c]! + n + gauss(g) * sigma * 0.3);
  }
  return { ...r, data: out };
}

/** A filled, turned rectangle (band) drawn with its centre, length, thickness and angle. */
function band(
  r: Raw,
  centre: Point,
  length: number,
  thickness: number,
  angle: number,
  colour: (x: number, y: number) => [number, number, number],
): void {
  const cos = Math.cos(angle),
    sin = Math.sin(angle);
  for (let y = 0; y < r.height; y++) {
    for (let x = 0; x < r.width; x++) {
      const dx = x - centre[0],
        dy = y - centre[1];
      const u = dx * cos + dy * sin,
        v = -dx * sin + dy * cos;
      if (Math.abs(u) <= length / 2 && Math.abs(v) <= thickness / 2) {
        const [cr, cg, cb] = colour(u, v);
        const i = (y * r.width + x) * 3;
        r.data[i] = cr;
        r.data[i + 1] = cg;
        r.data[i + 2] = cb;
      }
    }
  }
}

const turn = (p: Point, c: Point, deg: number, c2: Point): Point => {
  const t = (deg * Math.PI) / 180,
    dx = p[0] - c[0],
    dy = p[1] - c[1];
  return [c2[0] + dx * Math.cos(t) - dy * Math.sin(t), c2[1] + dx * Math.sin(t) + dy * Math.cos(t)];
};

/** The photo turned `deg` clockwise on an expanded canvas (sharp), and where the face went. */
async function rotated(
  bytes: Buffer,
  w: number,
  h: number,
  spot: FaceSpot,
  deg: number,
  person: number,
): Promise<Degraded> {
  const out = await sharp(bytes)
    .rotate(deg, { background: { r: 110, g: 110, b: 110 } })
    .jpeg({ quality: 90 })
    .toBuffer({ resolveWithObject: true });
  const c2: Point = [out.info.width / 2, out.info.height / 2];
  return {
    bytes: out.data,
    subjects: [{ person, centre: turn(spot.centre, [w / 2, h / 2], deg, c2), size: spot.size }],
  };
}

export async function degrade(
  kind: Kind,
  bytes: Buffer,
  spot: FaceSpot,
  person: number,
  seed: number,
): Promise<Degraded> {
  const img = await raw(bytes);
  const { width: w, height: h } = img;
  const one = (b: Buffer): Degraded => ({ bytes: b, subjects: [{ person, centre: spot.centre, size: spot.size }] });
  switch (kind) {
    case 'small': {
      const side = 256,
        small = 64,
        k = small / Math.max(w, h);
      const bg = await shuffledTexture(bytes, side, side, seed);
      const tiny = await sharp(bytes)
        .resize(Math.round(w * k), Math.round(h * k))
        .toBuffer();
      const left = Math.round((side - w * k) / 2),
        top = Math.round((side - h * k) / 2);
      const out = await sharp(bg.data, { raw: { width: side, height: side, channels: 3 } })
        .composite([{ input: tiny, left, top }])
        .jpeg({ quality: 85 })
        .toBuffer();
      return {
        bytes: out,
        subjects: [{ person, centre: [left + spot.centre[0] * k, top + spot.centre[1] * k], size: spot.size * k }],
      };
    }
    case 'blur':
      return one(await sharp(bytes).blur(3.5).jpeg({ quality: 85 }).toBuffer());
    case 'jpeg':
      return one(await sharp(bytes).jpeg({ quality: 6 }).toBuffer());
    case 'dark': {
      const d = darken(img, 0.2);
      return one(await jpeg(addNoise(d, 5, seed), 85));
    }
    case 'grey':
      return one(
        await sharp(bytes)
          .greyscale()
          .linear(0.3, 128 * 0.7)
          .jpeg({ quality: 85 })
          .toBuffer(),
      );
    case 'eyes': {
      const [l, r] = spot.eyes;
      const angle = Math.atan2(r[1] - l[1], r[0] - l[0]);
      const d = Math.hypot(r[0] - l[0], r[1] - l[1]);
      const g = rng(seed);
      // dark cloth: a little weave texture so it is not a flat bar
      band(img, [(l[0] + r[0]) / 2, (l[1] + r[1]) / 2], d * 2.6, d * 0.75, angle, (u, v) => {
        const t = 38 + 10 * Math.sin(u * 0.9) * Math.sin(v * 0.9) + g() * 8;
        return [clamp(t + 4), clamp(t), clamp(t - 3)];
      });
      return one(await jpeg(img, 88));
    }
    case 'jaw': {
      const [l, r] = spot.eyes;
      const angle = Math.atan2(r[1] - l[1], r[0] - l[0]);
      const d = Math.hypot(r[0] - l[0], r[1] - l[1]);
      const g = rng(seed);
      const c: Point = [(spot.mouth[0] + spot.chin[0]) / 2, (spot.mouth[1] + spot.chin[1]) / 2];
      band(
        img,
        c,
        d * 2.8,
        Math.max(d * 0.9, Math.hypot(spot.chin[0] - spot.mouth[0], spot.chin[1] - spot.mouth[1]) * 1.6),
        angle,
        () => {
          const t = 225 + g() * 20;
          return [clamp(t), clamp(t - 3), clamp(t - 12)];
        },
      );
      return one(await jpeg(img, 88));
    }
    case 'rot90':
      return rotated(bytes, w, h, spot, 90, person);
    case 'rot180':
      return rotated(bytes, w, h, spot, 180, person);
    case 'rot270':
      return rotated(bytes, w, h, spot, 270, person);
    case 'tilt':
      return rotated(bytes, w, h, spot, seed % 2 === 0 ? 30 : -30, person);
    case 'lying-tilt':
      return rotated(bytes, w, h, spot, (seed % 2 === 0 ? 90 : 270) + (seed % 4 < 2 ? 25 : -25), person);
    case 'tiny': {
      const k = 40 / Math.max(w, h);
      const down = await sharp(bytes)
        .resize(Math.round(w * k), Math.round(h * k))
        .jpeg({ quality: 70 })
        .toBuffer();
      const up = 160 / 40;
      const out = await sharp(down)
        .resize(Math.round(w * k * up), Math.round(h * k * up), { kernel: 'cubic' })
        .jpeg({ quality: 85 })
        .toBuffer();
      return {
        bytes: out,
        subjects: [{ person, centre: [spot.centre[0] * k * up, spot.centre[1] * k * up], size: spot.size * k * up }],
      };
    }
    case 'far': {
      const W = 640,
        H = 480,
        k = 22 / spot.size;
      const bg = await shuffledTexture(bytes, W, H, seed);
      const small = await sharp(bytes)
        .resize(Math.round(w * k), Math.round(h * k))
        .toBuffer();
      const g = rng(seed);
      const left = Math.round(40 + g() * (W - 80 - w * k)),
        top = Math.round(40 + g() * (H - 80 - h * k));
      const out = await sharp(bg.data, { raw: { width: W, height: H, channels: 3 } })
        .composite([{ input: small, left, top }])
        .jpeg({ quality: 85 })
        .toBuffer();
      return {
        bytes: out,
        subjects: [{ person, centre: [left + spot.centre[0] * k, top + spot.centre[1] * k], size: 22 }],
      };
    }
    case 'night': {
      const soft = await raw(sharp(bytes).blur(1.5));
      const d = darken(soft, 0.35);
      return one(await jpeg(addNoise(d, 8, seed), 25));
    }
    case 'lying-dark': {
      const deg = seed % 2 === 0 ? 90 : 270;
      const turned = await rotated(bytes, w, h, spot, deg, person);
      const r = await raw(sharp(turned.bytes));
      const d = darken(r, 0.3);
      return { bytes: await jpeg(addNoise(d, 6, seed), 50), subjects: turned.subjects };
    }
    case 'print': {
      // sepia, faded towards paper white, soft, grain, a few scratches
      const sep = await raw(
        sharp(bytes)
          .recomb([
            [0.393, 0.769, 0.189],
            [0.349, 0.686, 0.168],
            [0.272, 0.534, 0.131],
          ])
          .linear(0.55, 70)
          .blur(1.2),
      );
      const g = addNoise(sep, 9, seed);
      const r = rng(seed + 7);
      for (let s = 0; s < 6; s++) {
        const x0 = r() * w,
          y0 = r() * h,
          ang = r() * Math.PI;
        band(g, [x0, y0], 40 + r() * 120, 1.2, ang, () => [235, 228, 210]);
      }
      return one(await jpeg(g, 40));
    }
  }
}

/** 12 people in two rows of six on an 800 × 500 canvas, each face ≈ 36 px. */
export async function groupPhoto(
  members: Array<{ bytes: Buffer; spot: FaceSpot; person: number }>,
  seed: number,
): Promise<Degraded> {
  const W = 800,
    H = 500;
  const bg = await shuffledTexture(members[0]!.bytes, W, H, seed);
  const composites: OverlayOptions[] = [];
  const subjects: Subject[] = [];
  const r = rng(seed);
  for (const [i, m] of members.entries()) {
    const k = 36 / m.spot.size;
    const meta = await sharp(m.bytes).metadata();
    const w = Math.round(meta.width! * k),
      h = Math.round(meta.height! * k);
    const col = i % 6,
      row = Math.floor(i / 6);
    const left = Math.round(40 + col * 125 + (r() - 0.5) * 20),
      top = Math.round(80 + row * 190 + (r() - 0.5) * 20);
    composites.push({ input: await sharp(m.bytes).resize(w, h).toBuffer(), left, top });
    subjects.push({ person: m.person, centre: [left + m.spot.centre[0] * k, top + m.spot.centre[1] * k], size: 36 });
  }
  const out = await sharp(bg.data, { raw: { width: W, height: H, channels: 3 } })
    .composite(composites)
    .jpeg({ quality: 85 })
    .toBuffer();
  return { bytes: out, subjects };
}

/** Face-free images for counting false detections: shuffled-block textures, smooth noise, stripes, bricks. */
export async function faceFree(bytes: Buffer, seed: number): Promise<Buffer[]> {
  const W = 320,
    H = 240;
  const shuffled = await shuffledTexture(bytes, W, H, seed);
  const g = rng(seed);
  const noise = Buffer.alloc(40 * 30 * 3);
  for (let i = 0; i < noise.length; i++) noise[i] = clamp(128 + gauss(g) * 50);
  const smooth = await sharp(noise, { raw: { width: 40, height: 30, channels: 3 } })
    .resize(W, H, { kernel: 'cubic' })
    .blur(2)
    .jpeg({ quality: 85 })
    .toBuffer();
  const hue = Math.floor(g() * 360);
  const bricks = Buffer.from(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}">` +
      '<defs><pattern id="b" width="60" height="30" patternUnits="userSpaceOnUse">' +
      `<rect width="60" height="30" fill="hsl(${hue},40%,35%)"/>` +
      `<rect x="2" y="2" width="56" height="12" fill="hsl(${hue},45%,50%)"/>` +
      `<rect x="-28" y="16" width="56" height="12" fill="hsl(${hue},45%,46%)"/>` +
      `<rect x="32" y="16" width="56" height="12" fill="hsl(${hue},45%,54%)"/>` +
      '</pattern></defs><rect width="100%" height="100%" fill="url(#b)"/></svg>',
  );
  const leaves = Buffer.from(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}"><rect width="100%" height="100%" fill="#3a4a2a"/>${Array.from(
      { length: 60 },
      () =>
        `<ellipse cx="${Math.round(g() * W)}" cy="${Math.round(g() * H)}" rx="${Math.round(8 + g() * 20)}" ry="${Math.round(4 + g() * 10)}" ` +
        `transform="rotate(${Math.round(g() * 180)})" ` +
        `fill="hsl(${80 + Math.round(g() * 60)},${30 + Math.round(g() * 30)}%,${20 + Math.round(g() * 40)}%)"/>`,
    ).join('')}</svg>`,
  );
  return [
    await jpeg(shuffled, 85),
    smooth,
    await sharp(bricks).jpeg({ quality: 85 }).toBuffer(),
    await sharp(leaves).blur(1).jpeg({ quality: 85 }).toBuffer(),
  ];
}
