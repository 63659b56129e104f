// `kinfinder ingest` of a 300-photo zip as one batch (DESIGN §12): --category, the CSV's
// `category` column, the summary's batchId and per-file list, and the batch as the database
// keeps it. On PostgreSQL a `kinfinder worker` does the processing.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { IngestSummary } from '../../src/ingest/summary.ts';
import { batchCounts } from '../../src/store/batches.ts';
import { runCli, startCli, waitForExit } from '../support/cli.ts';
import { createDeployment, type Deployment } from '../support/deployment.ts';
import { faceVariants } from '../support/face-variants.ts';
import { makeZip, type RawEntry } from '../support/zip.ts';

const dep: Deployment = createDeployment();
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'kinfinder-ops-cli-'));
const zipPath = path.join(work, 'archive.zip');
const csvPath = path.join(work, 'meta.csv');

beforeAll(async () => {
  // 300 distinct photos that each show a clear face (a faceless photo would pay every rescue pass).
  const photos = await faceVariants(300);
  const entries: RawEntry[] = photos.map((data, i) => ({ name: `batch/face_${i}.jpg`, data }));
  entries.push({ name: 'batch/broken.jpg', data: Buffer.from('this is not a photo') });
  // The same bytes twice in one archive: the second is a duplicate.
  entries.push({ name: 'batch/again.jpg', data: photos[0]! });
  fs.writeFileSync(zipPath, makeZip(entries, {}));
  fs.writeFileSync(csvPath, 'file,category,notes\nbatch/face_1.jpg,prisoner,from list 3\n');
}, 180_000);
afterAll(async () => {
  await dep.destroy();
  fs.rmSync(work, { recursive: true, force: true });
});

/** `kinfinder ingest --wait` beside one `kinfinder worker`, as a PostgreSQL deployment runs. */
async function ingestAndWait(args: string[]) {
  const worker = startCli(['worker', '--concurrency', '2'], dep.env());
  try {
    return await runCli(['ingest', ...args, '--wait', '--json'], dep.env(), { timeoutMs: 1_100_000 });
  } finally {
    worker.kill('SIGTERM');
    await waitForExit(worker);
  }
}

describe(`kinfinder ingest of a 300-photo zip on ${dep.kind}`, () => {
  // Every photo shows a clear face (face-variants.ts), so the run costs about 160 CPU-seconds
  // instead of the 325 a faceless photo's rescue passes cost before. That is still more than the
  // PGlite suite can add beside the 300-photo operator-page run in web.test.ts (which is on both
  // databases); so this run stays in the PostgreSQL suite, where a separate `kinfinder worker`
  // does the work as in a real deployment. The batch rules themselves are tested on both
  // databases in operators-api.test.ts.
  if (dep.kind === 'postgres')
    it(
      'is one batch: batchId, every failed or duplicate file with its code, categories from --category and the CSV',
      { timeout: 1_200_000 },
      async () => {
        const r = await ingestAndWait([
          zipPath,
          '--category',
          'deceased',
          '--metadata',
          csvPath,
          '--source',
          'field archive',
        ]);
        expect(r.code, r.stderr).toBe(0);
        const summary = JSON.parse(r.stdout.trim().split('\n').at(-1)!) as IngestSummary;
        expect(summary.photos).toBe(302);
        expect(summary.done).toBe(300);
        expect(summary.duplicates).toBe(1);
        expect(summary.failed).toBe(1);
        // Faces found throughout (300 at least): no photo paid the rescue passes of a faceless one.
        expect(summary.faces).toBeGreaterThanOrEqual(300);
        expect(summary.batchId).toMatch(/^[0-9a-f-]{36}$/);
        expect(summary.files).toEqual([
          { file: `${zipPath}!batch/broken.jpg`, status: 'failed', code: 'unsupported_format' },
          { file: `${zipPath}!batch/again.jpg`, status: 'duplicate', photoId: expect.any(String) },
        ]);

        const db = await dep.open();
        try {
          const counts = (await batchCounts(db, [summary.batchId])).get(summary.batchId)!;
          expect(counts).toMatchObject({
            files: 302,
            done: 300,
            failed: 1,
            refused: 1,
            duplicates: 1,
            queued: 0,
            processing: 0,
          });
          const cats = await db.query<{ category: string; n: number }>(
            `SELECT category, count(*)::integer AS n FROM photos WHERE batch_id = $1 GROUP BY category ORDER BY category`,
            [summary.batchId],
          );
          expect(cats.rows).toEqual([
            { category: 'deceased', n: 299 },
            { category: 'prisoner', n: 1 },
          ]);
          const tagged = await db.query<{ metadata: Record<string, unknown> }>(
            `SELECT metadata FROM photos WHERE category = 'prisoner'`,
          );
          // The category is the photo's, not a metadata field.
          expect(tagged.rows[0]!.metadata).toEqual({ notes: 'from list 3' });
        } finally {
          await db.close();
        }
      },
    );

  it('refuses an unknown --category as a wrong command line', async () => {
    const r = await runCli(['ingest', zipPath, '--category', 'missing'], dep.env());
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--category must be one of prisoner, deceased, unknown/);
  });
});
