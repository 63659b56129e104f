export type {
  AnalyseOptions,
  BackendChoice,
  BackendName,
  Box,
  EngineOptions,
  Face,
  FaceAnalyser,
  FaceQuality,
  PhotoAnalysis,
} from './types.ts';
export { createFaceEngine, type FaceEngine } from './engine.ts';
export { createFacePool, type FacePool, type FacePoolOptions } from './pool.ts';
export {
  bandFor,
  loadManifest,
  DEFAULT_MANIFEST_PATH,
  type Band,
  type Calibration,
  type ModelManifest,
} from './manifest.ts';
export type { Recipe } from './recipe.ts';
