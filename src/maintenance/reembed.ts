import { authorize } from '../access/policy.ts';
import { auditActor, type Caller } from '../access/principal.ts';
import type { FaceAnalyser } from '../face/index.ts';
import { overlapOf, sameFace, type SameFaceRule } from '../face/overlap.ts';
import type { ImageLimits } from '../image/index.ts';
import { processPhoto } from '../ingest/process.ts';
import { storeProcessedFaces } from '../ingest/store-faces.ts';
import { QUEUES } from '../jobs.ts';
import type { Logger } from '../log.ts';
import type { JobQueue } from '../queue.ts';
import { recordAudit } from '../store/audit.ts';
import type { BlobStore } from '../store/blobs.ts';
import type { Database } from '../store/database.ts';
import {
  countOnOlderModel,
  countReferencesOnOlderModel,
  photosOnOlderModel,
  referencesOnOlderModel,
  replaceFacesWithModel,
  updateReferenceFace,
  type FaceMatcher,
} from '../store/reembed.ts';

export interface ReembedDeps {
  db: Database;
  blobs: BlobStore;
  /** The current engine: its `modelId` is the manifest id faces are moved to. */
  faces: FaceAnalyser;
  queue: JobQueue;
  limits: ImageLimits;
  logger: Logger;
}

export interface ReembedProgress {
  /** Photos on an older model when the run started. */
  total: number;
  done: number;
  failed: number;
  /** Photos still on an older model (this run's and any added meanwhile). */
  remaining: number;
}

export interface ReembedReport extends ReembedProgress {
  modelId: string;
  faces: number;
  /** Candidates that followed their face to the new face at the same place. */
  remapped: number;
  /** Old faces found again nowhere (their undecided candidates went with them). */
  dropped: number;
  /** Families' reference faces of held cases moved to the current model. */
  references: number;
  /** Reference faces whose photo no longer shows a face there (left on the old model, matching nothing). */
  referencesUnmatched: number;
}

/**
 * The same face across two models: IoU at least a third, and no containment rule. Stricter than
 * `ONE_DETECTION` (which also joins a face's box inside a looser one): here a candidate, and the
 * decisions on it, follow an old face to a new one, and a wrong pairing would move a family's
 * match onto someone else, while a face left unpaired only drops undecided candidates.
 */
export const SAME_PLACE: SameFaceRule = { iou: { atLeast: 1 / 3 } };

/** Same place (SAME_PLACE); each face pairs once, best overlaps first. */
export const matchByOverlap: FaceMatcher = (old, fresh) => {
  const pairs: Array<[number, number, number]> = [];
  old.forEach((o, i) =>
    fresh.forEach((f, j) => {
      if (sameFace(o, f, SAME_PLACE)) pairs.push([i, j, overlapOf(o, f).iou]);
    }),
  );
  pairs.sort((a, b) => b[2] - a[2]);
  const usedOld = new Set<number>(),
    usedNew = new Set<number>();
  const out: Array<[number, number]> = [];
  for (const [i, j] of pairs) {
    if (usedOld.has(i) || usedNew.has(j)) continue;
    usedOld.add(i);
    usedNew.add(j);
    out.push([i, j]);
  }
  return out;
};

/**
 * Moves every processed photo, and every reference face of a case still held, to the current
 * model (after a manifest id change): each photo is analysed again from its stored bytes and its
 * faces replaced in one transaction, so an interrupted run resumes with what is left, and a
 * search in the meantime sees each photo on exactly one model (searches use the current model's
 * faces only). `concurrency` photos at a time, as the ingest workers run. The standing search
 * runs again for each photo (faces.match is queued), so open cases meet the new faces.
 */
export async function reembed(
  deps: ReembedDeps,
  caller: Caller,
  opts: { concurrency: number; onProgress?: (p: ReembedProgress) => void; signal?: AbortSignal },
): Promise<ReembedReport> {
  authorize(caller, 'faces.reembed');
  const modelId = deps.faces.modelId;
  const total = await countOnOlderModel(deps.db, modelId);
  const report: ReembedReport = {
    modelId,
    total,
    done: 0,
    failed: 0,
    remaining: total,
    faces: 0,
    remapped: 0,
    dropped: 0,
    references: 0,
    referencesUnmatched: 0,
  };
  await recordAudit(deps.db, auditActor(caller), {
    action: 'faces.reembed.start',
    details: { modelId, photos: total },
  });

  let afterId: string | null = null;
  for (;;) {
    if (opts.signal?.aborted) break;
    const next = await photosOnOlderModel(deps.db, modelId, { afterId, limit: Math.max(16, opts.concurrency * 4) });
    if (next.length === 0) break;
    afterId = next.at(-1)!.id;
    let i = 0;
    const lanes = Array.from({ length: Math.min(opts.concurrency, next.length) }, async () => {
      while (i < next.length && !opts.signal?.aborted) {
        const photo = next[i++]!;
        try {
          const r = await reembedPhoto(deps, photo, modelId);
          report.done++;
          report.faces += r.faces;
          report.remapped += r.remapped;
          report.dropped += r.dropped;
        } catch (err) {
          report.failed++;
          deps.logger.warn({ photoId: photo.id, err }, 'photo could not be re-embedded; it stays on its model');
        }
        opts.onProgress?.({
          total,
          done: report.done,
          failed: report.failed,
          remaining: Math.max(0, total - report.done),
        });
      }
    });
    await Promise.all(lanes);
  }

  if (!opts.signal?.aborted) {
    for (const ref of await referencesOnOlderModel(deps.db, modelId)) {
      try {
        const processed = await processPhoto(deps, await deps.blobs.get(ref.photoSha256), 'reembed');
        const [pair] = matchByOverlap(
          [ref.box],
          processed.faces.map((f) => f.box),
        );
        if (!pair) {
          report.referencesUnmatched++;
          continue;
        }
        const f = processed.faces[pair[1]]!;
        await deps.db.transaction((tx) =>
          updateReferenceFace(tx, ref.id, modelId, {
            faceIndex: pair[1],
            box: f.box,
            score: f.score,
            landmarks: f.landmarks,
            quality: { ...f.quality },
            embedding: f.embedding,
          }),
        );
        report.references++;
      } catch (err) {
        report.referencesUnmatched++;
        deps.logger.warn({ referenceFaceId: ref.id, err }, 'reference face could not be re-embedded');
      }
    }
  }
  report.remaining = await countOnOlderModel(deps.db, modelId);
  const refsLeft = await countReferencesOnOlderModel(deps.db, modelId);
  await recordAudit(deps.db, auditActor(caller), {
    action: 'faces.reembed',
    details: {
      modelId,
      photos: report.done,
      failed: report.failed,
      remaining: report.remaining,
      faces: report.faces,
      remapped: report.remapped,
      dropped: report.dropped,
      references: report.references,
      referencesLeft: refsLeft,
    },
  });
  return report;
}

async function reembedPhoto(
  deps: ReembedDeps,
  photo: { id: string; sha256: string },
  modelId: string,
): Promise<{ faces: number; remapped: number; dropped: number }> {
  const processed = await processPhoto(deps, await deps.blobs.get(photo.sha256), 'reembed');
  const faces = await storeProcessedFaces(deps.blobs, processed.faces);
  const r = await deps.db.transaction(async (tx) => {
    const done = await replaceFacesWithModel(tx, photo.id, modelId, faces, matchByOverlap);
    if (done.stored && faces.length > 0) await deps.queue.send(QUEUES.facesMatch, { photoId: photo.id }, { tx });
    return done;
  });
  return { faces: r.stored ? faces.length : 0, remapped: r.remapped, dropped: r.dropped };
}
