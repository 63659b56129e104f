import type { Face, FaceAnalyser } from '../face/index.ts';
import { displayJpegOf, faceCropOf, normalise, type ImageLimits } from '../image/index.ts';

export interface ProcessedFace extends Face {
  /** JPEG of the face with some margin, for the verifier's side-by-side view. */
  crop: Buffer;
}

export interface ProcessedPhoto {
  /** The upright photo's size, in whose pixels every box and landmark is. */
  width: number;
  height: number;
  format: string;
  /** Upright, ≤ 2048 px, metadata-free JPEG for display. */
  display: Buffer;
  /** Largest first, as the engine returns them. */
  faces: ProcessedFace[];
}

/**
 * The one photo pipeline, for archive photos and families' reference photos alike: decode once
 * (limits checked before any pixel), find and describe every face in those pixels, and cut the
 * display copy and each face's crop from the same pixels. Decoding is the costly step for large
 * photos; doing it once instead of once per face plus twice is most of a group photo's time.
 */
export async function processPhoto(
  deps: { faces: FaceAnalyser; limits: ImageLimits },
  bytes: Uint8Array,
  client?: string,
): Promise<ProcessedPhoto> {
  const img = await normalise(bytes, deps.limits);
  // `client`: whose work this is, so one client's photos cannot hold every engine (fair.ts).
  const analysis = await deps.faces.analyseImage(img, client === undefined ? {} : { client });
  const display = await displayJpegOf(img);
  const faces: ProcessedFace[] = [];
  // A face found lying down is cropped upright (quality.rotation); its box and landmarks stay
  // in the pixels of the display copy, which shows the photo as it was taken.
  for (const f of analysis.faces)
    faces.push({ ...f, crop: await faceCropOf(img, f.box, 256, f.quality.rotation ?? 0) });
  return { width: img.width, height: img.height, format: img.format, display, faces };
}
