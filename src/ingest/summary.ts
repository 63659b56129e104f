/** What `kinfinder ingest` reports, in DESIGN §6's shape: its last stdout line under --json. */
export interface IngestSummary {
  /** The run's batch (`GET /api/v1/batches/:id`). */
  batchId: string;
  photos: number;
  done: number;
  failed: number;
  duplicates: number;
  faces: number;
  /** Photos still waiting for a worker when the command returned; absent under --wait. */
  queued?: number;
  errors: Array<{ file: string; code: string; message: string }>;
  /** Each failed or duplicate file (DESIGN §12), in the order met. */
  files: Array<{ file: string; status: 'failed' | 'duplicate'; code?: string; photoId?: string }>;
  /** Rows of the metadata CSV that matched no file, and CSV paths that matched several (present only when there are such). */
  metadata?: { unmatched: string[]; ambiguous: Array<{ file: string; items: string[] }> };
}
