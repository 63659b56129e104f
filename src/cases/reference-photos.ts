import { KinfinderError } from '../errors.ts';
import type { Face, FaceAnalyser } from '../face/index.ts';
import type { ImageLimits } from '../image/index.ts';
import { processPhoto, type ProcessedFace } from '../ingest/process.ts';

/** Photos of one person a case (or a one-off query) may start from. */
export const MAX_REFERENCE_PHOTOS = 5;

export interface ReferencePhoto {
  bytes: Uint8Array;
  /** Which face to use when the photo shows several (0-based, largest first). */
  faceIndex?: number | undefined;
}

export interface ChosenFace {
  bytes: Uint8Array;
  width: number;
  height: number;
  display: Buffer;
  face: ProcessedFace;
  /** The face's place among the photo's faces (largest first). */
  index: number;
}

/**
 * The face of the person in one photo: the only one, or the one the caller named. Several faces
 * and no choice is `choose_face`, with the boxes to choose from (`details.faces`, also at the top
 * of an HTTP answer); clients pick by `code` and `details`, never by the message.
 */
function chooseFace<F extends Face>(
  faces: F[],
  photoIndex: number,
  faceIndex: number | undefined,
): { face: F; index: number } {
  if (faces.length === 0) {
    throw new KinfinderError(
      'no_face',
      `no face was found in photo ${photoIndex + 1}; try a clearer photo where the face is visible`,
      { photoIndex },
    );
  }
  if (faceIndex === undefined) {
    if (faces.length === 1) return { face: faces[0]!, index: 0 };
    const boxes = faces.map((f, index) => ({ index, box: f.box }));
    throw new KinfinderError(
      'choose_face',
      `photo ${photoIndex + 1} shows ${faces.length} faces: say which one is the person you are looking for`,
      { photoIndex, faces: boxes },
      { body: { faces: boxes } },
    );
  }
  const face = faces[faceIndex];
  if (!face)
    throw new KinfinderError(
      'no_such_face',
      `photo ${photoIndex + 1} has no face number ${faceIndex} (it has ${faces.length})`,
      { photoIndex, faces: faces.length },
    );
  return { face, index: faceIndex };
}

function checkPhotoCount(n: number, allowNone: boolean): void {
  if (n === 0 && !allowNone) throw new KinfinderError('invalid_input', 'upload at least one photo of the person');
  if (n > MAX_REFERENCE_PHOTOS)
    throw new KinfinderError('too_many_photos', `upload at most ${MAX_REFERENCE_PHOTOS} photos of one person`);
}

/** Each photo through the one photo pipeline, and the person's face chosen in it. */
/**
 * `textToo`: the case can also be searched by its subject's record (a surname or a document
 * number, issue 14), so no photo at all, or a photo in which no face is found, is no error: such
 * a photo is left out and the case searches by its record.
 */
export async function chooseReferenceFaces(
  deps: { faces: FaceAnalyser; limits: ImageLimits },
  photos: readonly ReferencePhoto[],
  client?: string,
  opts: { textToo?: boolean } = {},
): Promise<ChosenFace[]> {
  checkPhotoCount(photos.length, opts.textToo === true);
  const chosen: ChosenFace[] = [];
  for (const [i, photo] of photos.entries()) {
    const processed = await processPhoto(deps, photo.bytes, client).catch((err: unknown) => {
      // Which photo failed, so a family with five photos learns which one to replace.
      if (err instanceof KinfinderError && err.details?.photoIndex === undefined) {
        throw new KinfinderError(
          err.code,
          `photo ${i + 1}: ${err.message}`,
          { ...err.details, photoIndex: i },
          { cause: err, ...(err.body ? { body: err.body } : {}) },
        );
      }
      throw err;
    });
    if (processed.faces.length === 0 && opts.textToo) continue;
    const { face, index } = chooseFace(processed.faces, i, photo.faceIndex);
    chosen.push({
      bytes: photo.bytes,
      width: processed.width,
      height: processed.height,
      display: processed.display,
      face,
      index,
    });
  }
  return chosen;
}
