import type { Recipe } from '../face/recipe.ts';

/**
 * Research recipes, measured against each other by `kinfinder eval pairs --recipe a,b,c` and the
 * accuracy benchmark (one detection pass shared). The product uses only the recipe in its model
 * manifest (models/face-api.json); these live with the evaluation tooling.
 */
const detector = {
  model: 'ssd_mobilenetv1' as const,
  minConfidence: 0.5,
  maxSide: 2048,
  tileSize: 640,
  tileOverlap: 0.25,
  padRetry: 0,
};
const descriptor = { align: 'faceapi-box' as const, chipSize: 150, chipPadding: 0.25, flip: false };

/** Named recipes measured by `kinfinder eval pairs --recipe a,b,c` (one detection pass shared). */
export const RECIPES: Record<string, Recipe> = {
  // face-api's own pipeline: SSD (0.5) → 68 landmarks → descriptor of the unrotated aligned box.
  baseline: { name: 'baseline', detector, landmarks: 'face_landmark_68', descriptor },
  // + dlib face chip (similarity transform onto dlib's mean face, 150 px, padding 0.25).
  chip: { name: 'chip', detector, landmarks: 'face_landmark_68', descriptor: { ...descriptor, align: 'dlib-chip' } },
  // + horizontal-flip test-time augmentation.
  'chip-flip': {
    name: 'chip-flip',
    detector,
    landmarks: 'face_landmark_68',
    descriptor: { ...descriptor, align: 'dlib-chip', flip: true },
  },
  // + pad tight crops and detect again before giving up.
  'chip-flip-pad': {
    name: 'chip-flip-pad',
    detector: { ...detector, padRetry: 0.3 },
    landmarks: 'face_landmark_68',
    descriptor: { ...descriptor, align: 'dlib-chip', flip: true },
  },
  // + lower detector threshold.
  'chip-flip-pad-c30': {
    name: 'chip-flip-pad-c30',
    detector: { ...detector, padRetry: 0.3, minConfidence: 0.3 },
    landmarks: 'face_landmark_68',
    descriptor: { ...descriptor, align: 'dlib-chip', flip: true },
  },
  'chip-flip-c30': {
    name: 'chip-flip-c30',
    detector: { ...detector, minConfidence: 0.3 },
    landmarks: 'face_landmark_68',
    descriptor: { ...descriptor, align: 'dlib-chip', flip: true },
  },
  'chip-flip-pad-refine': {
    name: 'chip-flip-pad-refine',
    detector: { ...detector, padRetry: 0.3 },
    landmarks: 'face_landmark_68-refined',
    descriptor: { ...descriptor, align: 'dlib-chip', flip: true },
  },
  'chip-flip-pad-c30-refine': {
    name: 'chip-flip-pad-c30-refine',
    detector: { ...detector, padRetry: 0.3, minConfidence: 0.3 },
    landmarks: 'face_landmark_68-refined',
    descriptor: { ...descriptor, align: 'dlib-chip', flip: true },
  },
  'chip-pad': {
    name: 'chip-pad',
    detector: { ...detector, padRetry: 0.3 },
    landmarks: 'face_landmark_68',
    descriptor: { ...descriptor, align: 'dlib-chip' },
  },
};
