import type { ImageLimits, NormalisedImage } from '../image/types.ts';

/** Pixels in the upright original photo. */
export interface Box {
  x: number;
  y: number;
  width: number;
  height: number;
}

export interface FaceQuality {
  /** Face size in pixels of the original photo: the larger side of the detection box. */
  faceSize: number;
  /** Distance between the eye centres, pixels of the original photo. */
  eyeDistance: number;
  /** Variance of the Laplacian of the grey 150×150 aligned chip (higher = sharper; < ~50 is blurry). */
  sharpness: number;
  /** Head turn left/right in degrees, estimated from landmarks (0 = frontal; sign = direction). */
  yaw: number;
  /** In-plane rotation of the eye line, degrees. */
  roll: number;
  /** Detection score (same as `Face.score`). */
  detectionScore: number;
  /**
   * Degrees the photo was turned clockwise for the face to stand upright (0, 90, 180, -90, ±30,
   * …): a face found lying down. Box and landmarks stay in the photo's pixels; the crop shown
   * to verifiers is turned by this much, so it is upright. The fields from here on are set by
   * every engine since manifest v2; faces stored by older recipes lack them.
   */
  rotation?: number;
  /** The cascade pass that found the face: `upright` (the first SSD pass), `enhance`, `turn`, `tiles`. */
  detectedBy?: 'upright' | 'enhance' | 'turn' | 'tiles';
  /** Landmarks and embedding were read from the contrast-enhanced photo (dark, grey, faded). */
  enhanced?: boolean;
  /** A weak detection kept because SSD found it again in an enlarged patch: that second score. */
  confirmScore?: number;
  /** False when the eye region is covered or featureless (blindfold, bandage, bar, deep shadow). */
  eyesVisible?: boolean;
  /** Gradient detail of the flatter eye region over the whole face's (open eyes ≈ 0.8-1.6). */
  eyeDetail?: number;
  /** Tone variation along the eye line over the whole face's (open eyes ≈ 0.3-1.0, a band across them < 0.2); since model v4. */
  eyeLine?: number;
  /** Mean luminance 0-255 and its standard deviation over the face. */
  brightness?: number;
  contrast?: number;
  exposure?: 'ok' | 'dark' | 'bright' | 'flat';
  blurry?: boolean;
  /** Every reason for caution, stable names: eyes_hidden, blurry, small, dark, bright, flat, turned, rescued. */
  flags?: Array<'eyes_hidden' | 'blurry' | 'small' | 'dark' | 'bright' | 'flat' | 'turned' | 'rescued'>;
  /** The highest band a match of this face may be given (null: no cap); see quality.ts. */
  bandCap?: 'possible' | null;
}

export interface Face {
  box: Box;
  score: number;
  /** 68 points (iBUG 300-W order), upright-photo pixels. */
  landmarks: Array<[number, number]>;
  quality: FaceQuality;
  /** L2-normalised: 128 floats (face-api), or 320 for a fused recipe (face-api's and MobileFaceNet's, fusion.ts). */
  embedding: number[];
}

export interface PhotoAnalysis {
  width: number;
  height: number;
  format: string;
  /** Largest box area first. */
  faces: Face[];
}

export type BackendName = 'tfjs-node' | 'wasm' | 'cpu';
export type BackendChoice = 'auto' | BackendName;

export interface AnalyseOptions {
  /**
   * Evaluation only: when no face is found, describe a centred box (LFW convention) instead of
   * returning no face. Such a face has `score` 0. Never used for enrolment or search.
   */
  centreFallback?: boolean;
  /** Who the work is for (an address, a token, `jobs`): engines are shared fairly between clients (fair.ts). */
  client?: string;
}

export interface FaceAnalyser {
  readonly backend: string;
  readonly modelId: string;
  analyse(bytes: Uint8Array, options?: AnalyseOptions): Promise<PhotoAnalysis>;
  /**
   * The same analysis of a photo the caller already decoded with `normalise()` (src/image), without
   * decoding it again: nothing is decoded twice, boxes and landmarks are in `img`'s pixels, and the
   * result equals `analyse(bytes)` for the bytes `img` came from. The caller's buffer is neither
   * kept nor changed, so it can cut display copies and crops from the same pixels afterwards.
   */
  analyseImage(img: NormalisedImage, options?: AnalyseOptions): Promise<PhotoAnalysis>;
  close(): Promise<void>;
}

export interface EngineOptions {
  limits: ImageLimits;
  backend?: BackendChoice;
  /** Model manifest path (default `models/face-api.json`). */
  manifestPath?: string;
  /** Where fetched weights are kept (default `models/.cache`; mobilefacenet/fetch.ts). */
  fetchedRoot?: string;
  /** Called once with a human-readable line such as `face engine: backend wasm (simd)`. */
  log?: (line: string) => void;
}
