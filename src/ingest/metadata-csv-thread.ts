import { Worker } from 'node:worker_threads';
import { KinfinderError, type ErrorCode } from '../errors.ts';
import { MetadataTable, parseMetadataCsv, type PhotoMetadata } from './metadata-csv.ts';

/**
 * KINFINDER_MAX_CSV_MB's default: 20 MB. A row (path, date, place, names, notes) is 100-200
 * bytes, so this holds 100,000 rows or more, a row for every entry the largest zip an upload may
 * hold (maxZipEntries); parsing it takes a few seconds on a thread and a few hundred MB at most.
 * The 240 MB CSV of issue 28 (finding 4) took 3.8 GB and a minute of the server's only thread.
 */
export const DEFAULT_MAX_CSV_BYTES = 20 * 1024 * 1024;

/** Below this a CSV parses in milliseconds: starting a thread would cost more than it saves. */
const INLINE_BYTES = 256 * 1024;

/** The parser's thread may use this much heap: a CSV built to blow up fails alone, not the server. */
const THREAD_HEAP_MB = 1024;

/** Refuses a metadata CSV over the cap before a byte of it is parsed (`file_too_large`, 413). */
export function checkCsvSize(byteLength: number, maxBytes: number): void {
  if (byteLength > maxBytes) {
    throw new KinfinderError(
      'file_too_large',
      `the metadata CSV is ${Math.ceil(byteLength / 1024 / 1024)} MB; the limit is ${Math.round((maxBytes / 1024 / 1024) * 10) / 10} MB (KINFINDER_MAX_CSV_MB)`,
    );
  }
}

type Reply =
  | { rows: Array<[string, PhotoMetadata, number]> }
  | { error: { code: ErrorCode; message: string; details?: Record<string, unknown> } };

/**
 * `parseMetadataCsv` off the event loop (issue 28, finding 4: a big CSV parsed on the main
 * thread left /healthz and every other request unanswered for a minute). Small CSVs are parsed
 * in place; larger ones on a worker thread of their own, whose heap is capped. Same table, same
 * errors as the parser gives.
 */
export async function parseMetadataCsvOffThread(text: string): Promise<MetadataTable> {
  if (text.length < INLINE_BYTES) return parseMetadataCsv(text);
  const reply = await new Promise<Reply>((resolve, reject) => {
    const worker = new Worker(new URL('./metadata-csv-worker.mjs', import.meta.url), {
      workerData: { text },
      resourceLimits: { maxOldGenerationSizeMb: THREAD_HEAP_MB },
    });
    let settled = false;
    worker.once('message', (m: Reply) => {
      settled = true;
      resolve(m);
      void worker.terminate();
    });
    worker.once('error', (err) => {
      settled = true;
      reject(
        new KinfinderError(
          'invalid_metadata',
          'the metadata CSV could not be read within the memory it may use',
          undefined,
          { cause: err },
        ),
      );
    });
    worker.once('exit', () => {
      if (!settled) reject(new KinfinderError('internal', 'the metadata CSV parser stopped without an answer'));
    });
  });
  if ('error' in reply) throw new KinfinderError(reply.error.code, reply.error.message, reply.error.details);
  const table = new MetadataTable();
  for (const [key, meta, row] of reply.rows) table.addRow(key, meta, row);
  return table;
}
