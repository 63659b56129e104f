// The thread that parses a large metadata CSV (metadata-csv-thread.ts), so the server's event
// loop keeps answering meanwhile. Plain JS so Node loads it directly; it registers tsx in this
// thread (the parent's loader hooks are not inherited) and then loads the TS parser.
import { parentPort, workerData } from 'node:worker_threads';
import { register } from 'tsx/esm/api';

register();
const { parseMetadataCsv } = await import('./metadata-csv.ts');
try {
  const table = parseMetadataCsv(workerData.text);
  parentPort.postMessage({ rows: [...table.keys()].map((key) => [key, table.get(key), table.rowOf(key)]) });
} catch (err) {
  const known = err && typeof err === 'object' && err.name === 'KinfinderError';
  parentPort.postMessage({
    error: known
      ? { code: err.code, message: err.message, details: err.details }
      : { code: 'internal', message: 'internal error' },
  });
}
