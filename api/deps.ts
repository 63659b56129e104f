import type { Logger } from '../src/log.ts';
import type { Database } from '../src/store/database.ts';

export interface FaceInfo {
  backend: string;
  modelId: string;
}

/** Everything the HTTP app needs, passed in explicitly by the entry point or a test. */
export interface AppDeps {
  db: Database;
  logger: Logger;
  /** The face engine in use, once started (absent while the engine is loading or not wired). */
  faceInfo?: () => FaceInfo | null;
}
