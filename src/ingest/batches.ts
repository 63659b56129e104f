import { authorize } from '../access/policy.ts';
import { auditActor, type Caller } from '../access/principal.ts';
import { KinfinderError } from '../errors.ts';
import { toCsv } from '../export/csv.ts';
import { hasMessage, translator } from '../i18n/catalogue.ts';
import type { Language } from '../i18n/languages.ts';
import { recordAudit } from '../store/audit.ts';
import {
  batchCounts,
  batchProblems,
  getBatch,
  insertBatch,
  listBatches,
  recordBatchFile,
  type BatchCounts,
  type BatchFileRow,
  type BatchRow,
} from '../store/batches.ts';
import type { Database, Queryable } from '../store/database.ts';
import { ensureSource } from '../store/photos.ts';
import { assertValidText } from '../text.ts';
import type { BatchChannel, Category } from '../vocabulary.ts';

/**
 * Batches (DESIGN §12): every ingest is one, so an office can say what happened to each file of
 * it long after. A batch is made by the command line for a run, by an API request that names
 * none, or up front by the operator page (`POST /batches`) so that an upload spanning many
 * requests, and a reload of the page in the middle of it, stay one batch.
 */

export interface BatchView extends BatchRow {
  counts: BatchCounts;
  /** Nothing of it is waiting to be processed any more. */
  finished: boolean;
}

function view(b: BatchRow, counts: BatchCounts | undefined): BatchView {
  const c = counts ?? {
    files: 0,
    queued: 0,
    processing: 0,
    done: 0,
    failed: 0,
    withdrawn: 0,
    duplicates: 0,
    refused: 0,
    faces: 0,
  };
  return { ...b, counts: c, finished: c.queued + c.processing === 0 };
}

/** A new batch. `photos.upload` rights: whoever may ingest may start a batch. */
export async function createBatch(
  deps: { db: Database },
  caller: Caller,
  input: { channel: BatchChannel; source?: string | undefined; category?: Category | undefined },
): Promise<BatchView> {
  authorize(caller, 'photos.upload');
  assertValidText(input.source, 'source');
  return deps.db.transaction(async (tx) => {
    const sourceId = input.source ? await ensureSource(tx, input.source) : null;
    const b = await insertBatch(tx, {
      actor: auditActor(caller),
      channel: input.channel,
      sourceId,
      category: input.category ?? 'unknown',
    });
    await recordAudit(tx, auditActor(caller), {
      action: 'batch.create',
      subjectType: 'batch',
      subjectId: b.id,
      details: { channel: input.channel, category: b.category },
    });
    return view(b, undefined);
  });
}

/** The batch a request adds to: the one named (it must exist), else a new one. */
export async function openBatch(
  deps: { db: Database },
  caller: Caller,
  input: {
    batchId?: string | undefined;
    channel: BatchChannel;
    source?: string | undefined;
    category?: Category | undefined;
  },
): Promise<BatchRow> {
  if (input.batchId) {
    const b = await getBatch(deps.db, input.batchId);
    if (!b) throw new KinfinderError('not_found', 'no such batch');
    return b;
  }
  return createBatch(deps, caller, input);
}

/** A file refused before anything was stored (not an image, too large, unreadable): kept in its batch with the code. */
export async function recordRefusal(
  q: Queryable,
  batchId: string,
  file: string,
  error: { code: string; message: string },
): Promise<void> {
  await recordBatchFile(q, { batchId, file, photoId: null, outcome: 'refused', error });
}

/** One batch with its counts. Reading a summary reads no photo: it is not audited as one. */
export async function readBatch(deps: { db: Queryable }, caller: Caller, id: string): Promise<BatchView> {
  authorize(caller, 'batches.read');
  const b = await getBatch(deps.db, id);
  if (!b) throw new KinfinderError('not_found', 'no such batch');
  return view(b, (await batchCounts(deps.db, [id])).get(id));
}

/** Batches newest first, with counts; `next` continues the list. */
export async function readBatches(
  deps: { db: Queryable },
  caller: Caller,
  page: { limit: number; before?: string | undefined },
): Promise<{ items: BatchView[]; next?: string }> {
  authorize(caller, 'batches.read');
  const rows = await listBatches(deps.db, { limit: page.limit + 1, before: page.before });
  const items = rows.slice(0, page.limit);
  const counts = await batchCounts(
    deps.db,
    items.map((b) => b.id),
  );
  const last = items.at(-1);
  return {
    items: items.map((b) => view(b, counts.get(b.id))),
    ...(rows.length > page.limit && last ? { next: last.id } : {}),
  };
}

/** The files of a batch that were refused or failed (and, asked, the duplicates), in the order given. */
export async function readBatchProblems(
  deps: { db: Queryable },
  caller: Caller,
  id: string,
  opts: { duplicates: boolean },
): Promise<BatchFileRow[]> {
  authorize(caller, 'batches.read');
  if (!(await getBatch(deps.db, id))) throw new KinfinderError('not_found', 'no such batch');
  return batchProblems(deps.db, id, opts);
}

/**
 * failures.csv: one row per refused or failed file, with its code, for a spreadsheet, in the
 * operator's language (issue 29): the headers, the status and the reason in their words; the
 * code stays as it is (what a script filters on). English keeps the original column names, and
 * a reason the catalogue has no words for keeps the pipeline's own message.
 */
export async function batchFailuresCsv(
  deps: { db: Database },
  caller: Caller,
  id: string,
  lang: Language = 'en',
): Promise<string> {
  const rows = await readBatchProblems(deps, caller, id, { duplicates: false });
  await recordAudit(deps.db, auditActor(caller), {
    action: 'batch.failures.export',
    subjectType: 'batch',
    subjectId: id,
    details: { rows: rows.length },
  });
  const t = translator(lang);
  const reason = (r: BatchFileRow) =>
    r.code && hasMessage(`ingest:csvReason_${r.code}`) ? t(`ingest:csvReason_${r.code}`) : r.message;
  const csv = toCsv(
    ['file', 'status', 'code', 'message', 'photo_id'].map((c) => t(`ingest:csvCol_${c}`)),
    rows.map((r) => [r.file, t(`ingest:csvStatus_${r.status}`), r.code, reason(r), r.photoId]),
  );
  // A byte-order mark, so that Excel reads Cyrillic as UTF-8 and not as its local code page.
  return lang === 'en' ? csv : `\uFEFF${csv}`;
}
