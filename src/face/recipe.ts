import { z } from 'zod';

/**
 * How a photo becomes embeddings. Enrolment and query must use the same recipe: it is part of
 * the model manifest, and the manifest id changes whenever the recipe does.
 */
export const recipeSchema = z.object({
  name: z.string().min(1),
  detector: z.object({
    model: z.literal('ssd_mobilenetv1'),
    /** Detections below this SSD score are dropped. */
    minConfidence: z.number().min(0).max(1),
    /** The photo is downscaled (never upscaled) to this long side before detection. */
    maxSide: z.number().int().min(256),
    /** When the detection image's long side exceeds 1.25 × tileSize, it is also scanned in overlapping tiles of this size (small faces in big photos). */
    tileSize: z.number().int().min(128),
    tileOverlap: z.number().min(0).max(0.9),
    /** When nothing is found, pad every side by this fraction of the long side (grey border) and detect again; 0 = off. */
    padRetry: z.number().min(0).max(2),
  }),
  /**
   * The rescue cascade (issue 18), run only when the upright pass keeps no face scoring at least
   * `below`: the photo enhanced, turned (quarter turns and tilts), and cut into enlarged tiles,
   * each view searched with SSD down to `lowConfidence`; a face under `minConfidence` is kept only
   * when SSD finds it again at `confirm` or more in an enlarged upright patch around it. Absent:
   * no rescue (the research recipes of src/eval).
   */
  rescue: z
    .object({
      below: z.number().min(0).max(1),
      lowConfidence: z.number().min(0).max(1),
      confirm: z.number().min(0).max(1),
      /** Enhance (normalise + CLAHE) the photo; a poorly exposed one is also searched upright and turned in its enhanced copy. */
      enhance: z.boolean(),
      /**
       * Mosaic passes, in order until a confident face is found: each lists the clockwise turns
       * laid side by side in one 512-px SSD input (0 = the enhanced photo upright).
       */
      mosaics: z.array(z.array(z.number().min(-359).max(359)).min(1).max(9)),
      /**
       * At most this many enlarged tiles per side (about 450 photo px each) for small faces in photos of
       * `tilesFrom` px or more (0 or 1 = off); also run when the upright pass found only small faces.
       */
      tiles: z.number().int().min(0).max(4),
      /**
       * Photos whose long side is at least this get the enlarged tiles (smaller ones SSD already
       * sees enlarged to 512 px). 680 in model v2; 400 since v3: a face of ≈ 20 px in a 640 × 480
       * phone photo was otherwise never found (bench:field kind `far`: found 0.56 → 1.00).
       */
      tilesFrom: z.number().int().min(0).default(680),
      /**
       * An upright face whose landmarks fit a face's shape this badly (shape.ts: 0 perfect, 1
       * nothing alike) is not trusted: the rescue runs as if it were weak, and an overlapping face
       * the rescue finds replaces it. Absent (model v2): every upright face is trusted.
       */
      maxShapeResidual: z.number().min(0).max(1).optional(),
      /**
       * A face described from the enhanced copy has its aligned chip median-filtered with this
       * window first: stretching a dark photo stretches its sensor noise and JPEG blocks too, and
       * the descriptor net, trained on clean faces, reads that grain as texture of the face.
       * Absent or 0 (models v2, v3): no filtering.
       */
      denoiseEnhanced: z.number().int().min(0).max(7).optional(),
    })
    .optional(),
  /** `face_landmark_68-refined`: run the landmark net a second time on a square box re-centred on the first landmarks. */
  landmarks: z.enum(['face_landmark_68', 'face_landmark_68-refined']),
  descriptor: z.object({
    /** `faceapi-box`: face-api's own crop (unrotated box from landmarks); `dlib-chip`: similarity-aligned dlib face chip. */
    align: z.enum(['faceapi-box', 'dlib-chip']),
    chipSize: z.number().int().min(32),
    chipPadding: z.number().min(0).max(1),
    /** Average the descriptors of the chip and its mirror image (then L2-normalise). */
    flip: z.boolean(),
  }),
  /**
   * A second descriptor fused with face-api's (issue 30): MobileFaceNet (192-d) of the face's
   * 112 × 112 ArcFace crop (arcface-align.ts), flip-averaged. The stored vector is both unit
   * descriptors scaled by √weights and concatenated (fusion.ts), so its cosine is the weighted
   * mean of the two cosines. Absent: face-api alone, 128-d (models before issue 30).
   */
  fusion: z
    .object({
      second: z.literal('mobilefacenet'),
      align: z.literal('arcface-5pt'),
      flip: z.boolean(),
      /** The weights of face-api's cosine and MobileFaceNet's in the fused cosine; they sum to 1. */
      weights: z
        .tuple([z.number().min(0).max(1), z.number().min(0).max(1)])
        .refine(([a, b]) => Math.abs(a + b - 1) < 1e-9, 'the two weights must sum to 1'),
      /**
       * A face whose landmarks put its eye line more than this many degrees from level has its
       * landmarks read again from its box as the photo stands, and the two crops compete (see
       * `minNorm`): the rescue's turned views gave some upright faces landmarks 78-180° off, and
       * their crops came out sideways (issue 30); a face truly lying down keeps its own.
       */
      maxTurn: z.number().min(0).max(180),
      /**
       * The way up is the one MobileFaceNet finds most face-like (its feature's length before
       * normalisation, net.ts): the crop from the face's landmarks, and the re-read one above,
       * compete; when the better is still under this, the crop is also tried turned a quarter,
       * a half and three quarters about the nose, and the most face-like kept (a face lying
       * down whose landmarks the net read as upright).
       */
      minNorm: z.number().min(0),
      /**
       * A quarter-turned reading replaces the face as found only when this many times as
       * face-like: upright faces the net finds dim (sunglasses, a dark photo) had a turned,
       * zoomed-in reading score up to 1.18 × theirs, while a face lying down read as upright
       * gains 1.6-2.5 × by the turn that stands it up (issue 30, measured on lfw).
       */
      turnMargin: z.number().min(1),
      /**
       * A face described from the enhanced copy (rescue.ts) has its ArcFace crop median-filtered
       * with this window first, as `rescue.denoiseEnhanced` does face-api's chip: stretching a
       * dark photo stretches its sensor noise and JPEG blocks too, and MobileFaceNet, trained on
       * clean faces, reads that grain as the face's texture. Absent or 0 (fused-v1): no filtering.
       */
      denoiseEnhanced: z.number().int().min(0).max(7).optional(),
    })
    .optional(),
});

export type Recipe = z.infer<typeof recipeSchema>;

/** Same recipe (ignoring its name)? */
export function sameRecipe(a: Recipe, b: Recipe): boolean {
  return JSON.stringify({ ...a, name: '' }) === JSON.stringify({ ...b, name: '' });
}
