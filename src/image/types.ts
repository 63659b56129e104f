/** Limits applied to every input photo before any pixel is decoded. */
export interface ImageLimits {
  /** Largest accepted width × height (decompression-bomb guard). */
  maxPixels: number;
  /** Largest accepted file size in bytes. */
  maxBytes: number;
}

export type ImageFormat = 'jpeg' | 'png' | 'webp' | 'gif' | 'tiff' | 'avif' | 'heif';

/** An upright (EXIF orientation applied), sRGB, 8-bit, 3-channel image. */
export interface NormalisedImage {
  /** Tightly packed RGB bytes, row-major, `width * height * 3` long. */
  data: Buffer;
  width: number;
  height: number;
  /** Format sniffed from the input bytes. */
  format: ImageFormat;
}
