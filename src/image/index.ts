import sharp from 'sharp';
import type { Metadata, SharpOptions } from 'sharp';
import { KinfinderError } from '../errors.ts';
import type { ImageFormat, ImageLimits, NormalisedImage } from './types.ts';

export type { ImageFormat, ImageLimits, NormalisedImage } from './types.ts';

import type { Box as Rect } from '../face/types.ts';

const ascii = (bytes: Uint8Array, start: number, length: number): string =>
  String.fromCharCode(...bytes.subarray(start, start + length));

/**
 * The image type, read from the bytes (never from a file name).
 * Throws `empty_file` for zero bytes and `unsupported_format` for anything not a photo format we accept.
 */
export function sniffFormat(bytes: Uint8Array): ImageFormat {
  if (bytes.length === 0) throw new KinfinderError('empty_file', 'the file is empty');
  const b = bytes;
  if (b.length >= 3 && b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff) return 'jpeg';
  if (
    b.length >= 8 &&
    b[0] === 0x89 &&
    ascii(b, 1, 3) === 'PNG' &&
    b[4] === 0x0d &&
    b[5] === 0x0a &&
    b[6] === 0x1a &&
    b[7] === 0x0a
  )
    return 'png';
  if (b.length >= 6 && (ascii(b, 0, 6) === 'GIF87a' || ascii(b, 0, 6) === 'GIF89a')) return 'gif';
  if (b.length >= 12 && ascii(b, 0, 4) === 'RIFF' && ascii(b, 8, 4) === 'WEBP') return 'webp';
  if (
    b.length >= 4 &&
    ((b[0] === 0x49 && b[1] === 0x49 && b[2] === 0x2a && b[3] === 0x00) ||
      (b[0] === 0x4d && b[1] === 0x4d && b[2] === 0x00 && b[3] === 0x2a))
  )
    return 'tiff';
  if (b.length >= 12 && ascii(b, 4, 4) === 'ftyp') {
    // ISO base media file: the major brand and the compatible brands say AVIF or HEIF.
    const boxSize = (((b[0] ?? 0) << 24) >>> 0) + ((b[1] ?? 0) << 16) + ((b[2] ?? 0) << 8) + (b[3] ?? 0);
    const end = Math.min(b.length, Math.max(16, boxSize));
    const brands: string[] = [ascii(b, 8, 4)];
    for (let i = 16; i + 4 <= end; i += 4) brands.push(ascii(b, i, 4));
    if (brands.some((x) => x === 'avif' || x === 'avis')) return 'avif';
    if (brands.some((x) => ['heic', 'heix', 'hevc', 'hevx', 'heim', 'heis', 'mif1', 'msf1'].includes(x))) return 'heif';
  }
  throw new KinfinderError(
    'unsupported_format',
    'the file is not a supported image (JPEG, PNG, WebP, GIF, TIFF, AVIF or HEIF)',
  );
}

function checkLimits(bytes: Uint8Array, limits: ImageLimits): void {
  if (bytes.length > limits.maxBytes) {
    throw new KinfinderError(
      'file_too_large',
      `the file is larger than ${Math.floor((limits.maxBytes / (1024 * 1024)) * 10) / 10} MB`,
      { bytes: bytes.length, maxBytes: limits.maxBytes },
    );
  }
}

/** sharp input options that make libvips refuse bombs and truncated files. */
function sharpOptions(limits: ImageLimits): SharpOptions {
  return {
    // libvips refuses to decode anything larger (the header check below normally fires first).
    limitInputPixels: Math.max(1, Math.floor(limits.maxPixels)),
    // Reject damaged files instead of returning half-grey photos: libjpeg's "premature end of
    // data segment" (a cut file closed with an end marker, or a header claiming more pixels than
    // the data holds) is only a warning, and 'truncated' let such photos through as `done`.
    failOn: 'warning',
    // GIF/WebP animations and multi-page TIFFs: first frame only.
    pages: 1,
    sequentialRead: true,
  };
}

function mapSharpError(err: unknown): never {
  if (err instanceof KinfinderError) throw err;
  const message = err instanceof Error ? err.message : String(err);
  if (/pixel limit/i.test(message)) {
    throw new KinfinderError('too_many_pixels', 'the image has too many pixels', undefined, { cause: err });
  }
  if (
    /unsupported image format|no decode|not in a known format|compression format has not been built in|heif: .*(unsupported|plugin)/i.test(
      message,
    )
  ) {
    throw new KinfinderError('unsupported_format', 'this image encoding cannot be decoded here', undefined, {
      cause: err,
    });
  }
  throw new KinfinderError('corrupt_image', 'the image is damaged or truncated and cannot be decoded', undefined, {
    cause: err,
  });
}

interface Probe {
  format: ImageFormat;
  width: number;
  height: number;
  orientation: number;
}

/**
 * Size limit, format sniff and header dimensions, all before a single pixel is decoded.
 * Width and height returned are of the upright (EXIF-oriented) photo.
 */
export async function probe(bytes: Uint8Array, limits: ImageLimits): Promise<Probe> {
  checkLimits(bytes, limits);
  const format = sniffFormat(bytes);
  let meta: Metadata;
  try {
    meta = await sharp(bytes, sharpOptions(limits)).metadata();
  } catch (err) {
    mapSharpError(err);
  }
  const width = meta.width ?? 0;
  const height = meta.height ?? 0;
  if (!(width > 0 && height > 0)) throw new KinfinderError('corrupt_image', 'the image has no readable dimensions');
  if (width * height > limits.maxPixels) {
    throw new KinfinderError(
      'too_many_pixels',
      `the image has ${width}×${height} pixels, more than the ${limits.maxPixels} allowed`,
      { width, height, maxPixels: limits.maxPixels },
    );
  }
  const orientation = meta.orientation ?? 1;
  const swap = orientation >= 5 && orientation <= 8;
  return { format, width: swap ? height : width, height: swap ? width : height, orientation };
}

/**
 * What an upload checks before anything is stored: the probe's checks, then one full decode of
 * every pixel (damage often shows only at the end of the data), so a damaged photo is refused
 * with `corrupt_image` to the operator who sent it instead of failing later in a worker. The
 * decoded pixels are shrunk as they stream, so the check holds no full-size copy in memory.
 */
export async function verifyDecodable(bytes: Uint8Array, limits: ImageLimits): Promise<Probe> {
  const p = await probe(bytes, limits);
  try {
    await sharp(bytes, sharpOptions(limits))
      // No shrink-on-load: a scaled JPEG decode may skip the coefficients where damage shows.
      .resize({ width: 64, height: 64, fit: 'inside', fastShrinkOnLoad: false })
      .raw()
      .toBuffer();
  } catch (err) {
    mapSharpError(err);
  }
  return p;
}

/**
 * Decode any accepted photo into upright sRGB 8-bit RGB (EXIF orientation applied, alpha
 * flattened onto white, CMYK / greyscale / 16-bit converted). Limits are checked before decoding.
 */
export async function normalise(bytes: Uint8Array, limits: ImageLimits): Promise<NormalisedImage> {
  const p = await probe(bytes, limits);
  try {
    const { data, info } = await sharp(bytes, sharpOptions(limits))
      .autoOrient()
      .flatten({ background: { r: 255, g: 255, b: 255 } })
      .toColourspace('srgb')
      .removeAlpha()
      .raw({ depth: 'uchar' })
      .toBuffer({ resolveWithObject: true });
    // Decoders may hand back other dimensions than the header announced (damaged data padded or
    // cut short); the boxes of every face would then be in the wrong pixels.
    if (info.width !== p.width || info.height !== p.height) {
      throw new KinfinderError(
        'corrupt_image',
        'the image is damaged: its pixels do not match the size its header announces',
      );
    }
    let rgb: Buffer = data;
    if (info.channels !== 3) rgb = toRgb(data, info.width * info.height, info.channels);
    return { data: rgb, width: info.width, height: info.height, format: p.format };
  } catch (err) {
    mapSharpError(err);
  }
}

function toRgb(data: Buffer, pixels: number, channels: number): Buffer {
  const out = Buffer.alloc(pixels * 3);
  for (let i = 0; i < pixels; i++) {
    const g = data[i * channels] ?? 0;
    out[i * 3] = g;
    out[i * 3 + 1] = channels >= 3 ? (data[i * channels + 1] ?? g) : g;
    out[i * 3 + 2] = channels >= 3 ? (data[i * channels + 2] ?? g) : g;
  }
  return out;
}

/** An upright, metadata-free sRGB JPEG for display, at most `maxSide` pixels on its long side. */
export async function displayJpeg(bytes: Uint8Array, limits: ImageLimits, maxSide = 2048): Promise<Buffer> {
  await probe(bytes, limits);
  try {
    return await sharp(bytes, sharpOptions(limits))
      .autoOrient()
      .resize({ width: maxSide, height: maxSide, fit: 'inside', withoutEnlargement: true })
      .flatten({ background: { r: 255, g: 255, b: 255 } })
      .toColourspace('srgb')
      .jpeg({ quality: 85, mozjpeg: true })
      .toBuffer();
  } catch (err) {
    mapSharpError(err);
  }
}

/** The square region around a face box with `margin` (fraction of the box side) on each side, clipped to the image. */
function cropRegion(
  box: Rect,
  imageWidth: number,
  imageHeight: number,
  margin = 0.3,
): { left: number; top: number; width: number; height: number } {
  const side = Math.max(box.width, box.height) * (1 + 2 * margin);
  const cx = box.x + box.width / 2;
  const cy = box.y + box.height / 2;
  const left = Math.max(0, Math.floor(cx - side / 2));
  const top = Math.max(0, Math.floor(cy - side / 2));
  const right = Math.min(imageWidth, Math.ceil(cx + side / 2));
  const bottom = Math.min(imageHeight, Math.ceil(cy + side / 2));
  if (right - left < 1 || bottom - top < 1) {
    throw new KinfinderError('invalid_input', 'the face box lies outside the image');
  }
  return { left, top, width: right - left, height: bottom - top };
}

/**
 * A JPEG of one face with some margin (box in the image's pixels), fitted inside `size`×`size`,
 * turned `rotation` degrees clockwise (the face's `quality.rotation`) so the face is upright,
 * cut from pixels already decoded: a photo with many faces is decoded once, not once a face.
 */
export async function faceCropOf(img: NormalisedImage, box: Rect, size = 256, rotation = 0): Promise<Buffer> {
  const region = cropRegion(box, img.width, img.height);
  try {
    let crop = sharp(img.data, { raw: { width: img.width, height: img.height, channels: 3 } }).extract(region);
    // A face found lying down (quality.rotation) is shown upright: turned clockwise as the
    // detector saw it. The turned crop is cut again to its middle square so no corner of blank
    // canvas outgrows the face. Two pipelines: sharp applies rotate before extract in one.
    if (rotation % 360 !== 0) {
      const turned = await crop
        .rotate(rotation, { background: { r: 128, g: 128, b: 128 } })
        .raw()
        .toBuffer({ resolveWithObject: true });
      const side = Math.min(turned.info.width, turned.info.height, Math.max(region.width, region.height));
      crop = sharp(turned.data, { raw: { width: turned.info.width, height: turned.info.height, channels: 3 } }).extract(
        {
          left: Math.floor((turned.info.width - side) / 2),
          top: Math.floor((turned.info.height - side) / 2),
          width: side,
          height: side,
        },
      );
    }
    return await crop
      .resize({ width: size, height: size, fit: 'inside' })
      .jpeg({ quality: 90, mozjpeg: true })
      .toBuffer();
  } catch (err) {
    mapSharpError(err);
  }
}

/** The display copy (as `displayJpeg`) from pixels already decoded; raw pixels carry no metadata. */
export async function displayJpegOf(img: NormalisedImage, maxSide = 2048): Promise<Buffer> {
  try {
    return await sharp(img.data, { raw: { width: img.width, height: img.height, channels: 3 } })
      .resize({ width: maxSide, height: maxSide, fit: 'inside', withoutEnlargement: true })
      .jpeg({ quality: 85, mozjpeg: true })
      .toBuffer();
  } catch (err) {
    mapSharpError(err);
  }
}

/** Resize raw RGB (area-averaging, for detection inputs). */
export async function resizeRgb(
  img: { data: Buffer; width: number; height: number },
  width: number,
  height: number,
): Promise<Buffer> {
  return sharp(img.data, { raw: { width: img.width, height: img.height, channels: 3 } })
    .resize({ width, height, fit: 'fill', kernel: 'lanczos3' })
    .raw()
    .toBuffer();
}

/**
 * Contrast-stretched and locally equalised copy of raw RGB, for finding and describing faces in
 * dark, grey or faded photos: `normalise` stretches the 1st-99th luminance percentiles to the full
 * range, CLAHE (32-px windows, slope capped so noise is not amplified into texture) brings up a
 * face in shadow beside a bright background. CLAHE's cost grows with pixels × window (libvips
 * `hist_local`: ≈ 0.25 s a megapixel on one quiet core, far more on larger windows), so photos of
 * more than CLAHE_MAX_PIXELS are only stretched.
 */
export async function enhanceRgb(img: { data: Uint8Array; width: number; height: number }): Promise<Buffer> {
  let s = sharp(Buffer.from(img.data.buffer, img.data.byteOffset, img.data.byteLength), {
    raw: { width: img.width, height: img.height, channels: 3 },
  }).normalise();
  if (img.width * img.height <= CLAHE_MAX_PIXELS) s = s.clahe({ width: 32, height: 32, maxSlope: 3 });
  return s.raw().toBuffer();
}
const CLAHE_MAX_PIXELS = 1024 * 1024;

/** A median filter of `window` pixels over raw RGB of a square `side` (a face chip): removes grain, keeps edges. */
export async function medianRgb(data: Uint8Array, side: number, window: number): Promise<Uint8Array> {
  const out = await sharp(Buffer.from(data.buffer, data.byteOffset, data.byteLength), {
    raw: { width: side, height: side, channels: 3 },
  })
    .median(window)
    .raw()
    .toBuffer();
  return new Uint8Array(out.buffer, out.byteOffset, out.byteLength);
}
