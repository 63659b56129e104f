/**
 * bench:queue — what the verifiers' queue holds per case (issue 25, DESIGN §15).
 *
 *   nice -n 19 npm run bench:queue -- --photos 1000 [--mates 60] [--strangers 40]
 *       [--archive clean|degraded|both] [--fpir 0.05,0.1,0.25,0.5,1] [--workers 2] [--json]
 *       [--lfw DIR] [--cache DIR] [--calibrate] [--cached-only] [--distractors N] [--seed S]
 *
 * An archive of `--photos` lfw-dev photos (every face the engine finds in them stored, as
 * ingest stores them) on the embedded database, and families who search it with a clean photo:
 * `--mates` whose relative's first photo is archived (they search with their second) and
 * `--strangers` whose relative is not archived at all (queue-plan.ts). Each family's case is
 * opened and searched by the product's own search (src/match/search.ts:searchForCase: up to 50
 * candidates kept, each with its stranger rate), and the queue's bar (src/match/search-bar.ts)
 * is read at each `--fpir`: candidates queued per case, per mate case and per stranger case,
 * and the share of mate cases whose relative's archived face is queued (and kept at all). The
 * degraded archive is the same archive with every photo degraded in one of bench:field's kinds
 * in turn (families' photos clean).
 *
 * Faces are computed once and cached (queue-faces.ts); `--cached-only` runs on the photos the
 * cache holds already (the archive's missing photos left out, and the families whose photo or
 * archived photo is missing), for a machine too busy to compute the rest. `--calibrate` prints the manifest's
 * `impostors` block measured on the clean photos' faces: the cohort figures of a typical face and
 * the curve of normalised similarities over every pair of different people.
 *
 * `--distractors N` adds N synthetic faces of people nobody searches for to each archive
 * (queue-distractors.ts: bench:search's model fitted to this recogniser's cached clean faces and
 * turned into their frame), loaded in bulk with the HNSW index built after: `--photos 1000
 * --distractors 9000` is a 10,000-face archive, `--distractors 99000` a 100,000-face one. A
 * first JSON line says what the synthetic faces are fitted to and how far they are from real
 * ones as the bar reads them. `--seed` picks the synthetic faces (default 1).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { loadManifest } from '../../src/face/manifest.ts';
import { curveOf, type ImpostorCurve } from '../../src/match/bar.ts';
import { impostorCurve } from '../../src/eval/impostor-curve.ts';
import { searchForCase } from '../../src/match/search.ts';
import { currentBar } from '../../src/match/search-bar.ts';
import { candidatesOfCaseByBar } from '../../src/store/candidates.ts';
import { insertCase, insertReferenceFace } from '../../src/store/cases.ts';
import type { Database } from '../../src/store/database.ts';
import { migrate } from '../../src/store/migrate.ts';
import { completePhoto, ensureModel, insertPhoto } from '../../src/store/photos.ts';
import { openPglite } from '../../src/store/pglite.ts';
import {
  compareWithReal,
  distractorGenerator,
  distractorPlan,
  loadDistractors,
  type Labelled,
} from './queue-distractors.ts';
import { defaultCacheDir, ensureFaces, photoKey, readCache, type CachedFace, type CachedPhoto } from './queue-faces.ts';
import { benchRecogniser } from './recogniser.ts';
import { planQueue, type QueuePlan } from './queue-plan.ts';

const { values } = parseArgs({
  options: {
    photos: { type: 'string', default: '1000' },
    mates: { type: 'string', default: '60' },
    strangers: { type: 'string', default: '40' },
    archive: { type: 'string', default: 'both' },
    fpir: { type: 'string', default: '0.05,0.1,0.25,0.5,1' },
    workers: { type: 'string', default: String(Math.min(2, os.availableParallelism())) },
    lfw: { type: 'string', default: path.resolve('../shared/data/lfw-dev') },
    cache: { type: 'string', default: defaultCacheDir() },
    json: { type: 'boolean', default: false },
    calibrate: { type: 'boolean', default: false },
    'cached-only': { type: 'boolean', default: false },
    distractors: { type: 'string', default: '0' },
    seed: { type: 'string', default: '1' },
  },
});
const PHOTOS = Number(values.photos);
const MATES = Number(values.mates);
const STRANGERS = Number(values.strangers);
const WORKERS = Number(values.workers);
const FPIRS = values.fpir.split(',').map(Number);
const DISTRACTORS = Number(values.distractors);
const SEED = Number(values.seed);
if (
  ![PHOTOS, MATES, STRANGERS, WORKERS, DISTRACTORS, SEED].every((n) => Number.isInteger(n) && n >= 0) ||
  FPIRS.some((f) => !(f > 0)) ||
  !['clean', 'degraded', 'both'].includes(values.archive)
) {
  process.stderr.write(
    '--photos, --mates, --strangers, --workers, --distractors, --seed: whole numbers; --fpir: positive numbers; --archive clean|degraded|both\n',
  );
  process.exit(2);
}
const log = (s: string) => process.stderr.write(`[bench:queue] ${s}\n`);
const imagesDir = fs.existsSync(path.join(values.lfw, 'images')) ? path.join(values.lfw, 'images') : values.lfw;
const { manifestPath } = benchRecogniser();
const manifest = await loadManifest(manifestPath);

/** LFW's subject: the face nearest the photo's centre. */
function central(p: CachedPhoto | undefined): CachedFace | undefined {
  return p?.faces.reduce<CachedFace | undefined>((b, f) => (!b || f.offCentre < b.offCentre ? f : b), undefined);
}

const hex64 = (n: number) => n.toString(16).padStart(64, '0');

async function loadArchive(
  db: Database,
  plan: QueuePlan,
  cache: Map<string, CachedPhoto>,
): Promise<Map<string, string>> {
  const personOfPhoto = new Map<string, string>();
  let i = 0;
  for (const a of plan.archive) {
    const c = cache.get(photoKey(a.kind, a.rel))!;
    i++;
    await db.transaction(async (tx) => {
      const { id } = await insertPhoto(tx, {
        sha256: hex64(i),
        originalName: a.rel,
        byteSize: 1000,
        format: 'jpeg',
        sourceId: null,
        metadata: {},
      });
      personOfPhoto.set(id, a.person);
      await completePhoto(tx, id, {
        width: 250,
        height: 250,
        format: 'jpeg',
        displaySha256: hex64(1e7 + i),
        modelId: manifest.id,
        faces: c.faces.map((f, k) => ({
          faceIndex: k,
          box: f.box,
          score: f.score,
          landmarks: [],
          quality: f.quality,
          cropSha256: hex64(2e7 + i * 16 + k),
          embedding: f.embedding,
        })),
      });
    });
  }
  return personOfPhoto;
}

interface CaseResult {
  archived: boolean;
  mateFound: boolean;
  /** every candidate the search kept: what the queue offered before the bar */
  kept: number;
  /** per fpir: how many candidates are at or above the bar, and whether the mate is among them */
  queued: number[];
  /** per fpir: queued candidates that are not the family's relative */
  strangersQueued: number[];
  /** per fpir: queued candidates that are synthetic distractors (--distractors) */
  distractorsQueued: number[];
  mateQueued: boolean[];
  /** the degradation of the relative's archived photo (mate cases) */
  mateKind?: string;
}

/** Every clean photo's subject in the cache, with its person: what the distractors are fitted to. */
function cleanFaces(cache: Map<string, CachedPhoto>): Labelled[] {
  const out: Labelled[] = [];
  for (const [key, p] of cache) {
    if (!key.startsWith('clean:')) continue;
    const f = central(p);
    if (f) out.push({ person: key.slice(6).split('/')[0]!, embedding: f.embedding });
  }
  return out;
}

type Distractors = ReturnType<typeof distractorGenerator>;

async function runArchive(kind: 'clean' | 'degraded', cache: Map<string, CachedPhoto>, distractors?: Distractors) {
  const full = planQueue(imagesDir, {
    photos: PHOTOS,
    mates: MATES,
    strangers: STRANGERS,
    degraded: kind === 'degraded',
  });
  // with --cached-only, what the cache holds: families whose photo (and archived photo) it has
  const archive = full.archive.filter((a) => cache.has(photoKey(a.kind, a.rel)));
  const archived = new Set(archive.map((a) => a.person));
  const kindOf = new Map(archive.map((a) => [a.person, a.kind as string]));
  const plan: QueuePlan = {
    archive,
    families: full.families.filter(
      (f) => cache.has(photoKey('clean', f.probe)) && (!f.archived || archived.has(f.person)),
    ),
  };
  const db = await openPglite();
  try {
    await migrate(db);
    await ensureModel(db, { id: manifest.id, dims: manifest.dims, manifest });
    const t0 = Date.now();
    const personOfPhoto = await loadArchive(db, plan, cache);
    log(`${kind}: ${plan.archive.length} photos loaded (${((Date.now() - t0) / 1000).toFixed(0)} s)`);
    const load = distractors
      ? await loadDistractors(db, manifest.id, distractors.gen, DISTRACTORS, SEED, log)
      : { loadSeconds: 0, buildSeconds: 0 };
    if (distractors)
      log(
        `${kind}: ${DISTRACTORS} distractors loaded in ${load.loadSeconds.toFixed(0)} s, index built in ${load.buildSeconds.toFixed(0)} s`,
      );
    const results: CaseResult[] = [];
    let searched = 0;
    let noFace = 0;
    let archiveSize = 0;
    for (const fam of plan.families) {
      const probe = central(cache.get(photoKey('clean', fam.probe)));
      if (!probe) {
        noFace++;
        continue;
      }
      const r = await db.transaction(async (tx) => {
        const opened = await insertCase(tx, { subject: {}, modelId: manifest.id, createdBy: null });
        const refId = await insertReferenceFace(tx, opened.id, manifest.id, {
          photoSha256: hex64(3e7 + searched),
          photoIndex: 0,
          photoWidth: 250,
          photoHeight: 250,
          displaySha256: hex64(4e7 + searched),
          faceIndex: 0,
          box: probe.box,
          score: probe.score,
          landmarks: [],
          quality: probe.quality,
          cropSha256: hex64(5e7 + searched),
          embedding: probe.embedding,
        });
        await searchForCase(tx, manifest, opened.id, [{ id: refId, embedding: probe.embedding }], undefined);
        const isMate = (photoId: string) => personOfPhoto.get(photoId) === fam.person;
        const all = [
          ...(await candidatesOfCaseByBar(tx, opened.id, 1, false)),
          ...(await candidatesOfCaseByBar(tx, opened.id, 1, true)),
        ];
        const out: CaseResult = {
          archived: fam.archived,
          mateFound: all.some((c) => isMate(c.photoId)),
          kept: all.length,
          queued: [],
          strangersQueued: [],
          distractorsQueued: [],
          mateQueued: [],
          ...(fam.archived ? { mateKind: kindOf.get(fam.person) ?? 'clean' } : {}),
        };
        for (const fpir of FPIRS) {
          const bar = await currentBar(tx, manifest, fpir);
          archiveSize = bar.archiveSize;
          const queued = all.filter((c) => c.strangerRate === null || c.strangerRate <= bar.maxRate);
          out.queued.push(queued.length);
          out.strangersQueued.push(queued.filter((c) => !isMate(c.photoId)).length);
          out.distractorsQueued.push(queued.filter((c) => !personOfPhoto.has(c.photoId)).length);
          out.mateQueued.push(queued.some((c) => isMate(c.photoId)));
        }
        return out;
      });
      results.push(r);
      searched++;
    }
    const mean = (xs: number[]) => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : 0);
    const mates = results.filter((r) => r.archived);
    const strangers = results.filter((r) => !r.archived);
    return {
      archive: kind,
      photos: plan.archive.length,
      distractors: distractors ? DISTRACTORS : 0,
      ...(distractors
        ? { distractorLoadSeconds: round(load.loadSeconds), indexBuildSeconds: round(load.buildSeconds) }
        : {}),
      archiveSize,
      families: { mates: mates.length, strangers: strangers.length, probeWithoutFace: noFace },
      mateKept: mean(mates.map((r) => (r.mateFound ? 1 : 0))),
      keptPerCase: round(mean(results.map((r) => r.kept))),
      byFpir: FPIRS.map((fpir, i) => ({
        fpir,
        queuedPerCase: round(mean(results.map((r) => r.queued[i]!))),
        queuedPerMateCase: round(mean(mates.map((r) => r.queued[i]!))),
        queuedPerStrangerCase: round(mean(strangers.map((r) => r.queued[i]!))),
        strangerCasesWithAny: round(mean(strangers.map((r) => (r.queued[i]! > 0 ? 1 : 0)))),
        strangersPerCase: round(mean(results.map((r) => r.strangersQueued[i]!))),
        ...(distractors ? { distractorsPerCase: round(mean(results.map((r) => r.distractorsQueued[i]!))) } : {}),
        mateQueued: round(mean(mates.map((r) => (r.mateQueued[i] ? 1 : 0)))),
        // which degradations the relative's face is lost to: mate cases queued / all, by kind
        mateQueuedByKind: Object.fromEntries(
          [...new Set(mates.map((r) => r.mateKind!))].sort().map((k) => {
            const of = mates.filter((r) => r.mateKind === k);
            return [k, `${of.filter((r) => r.mateQueued[i]).length}/${of.length}`];
          }),
        ),
      })),
    };
  } finally {
    await db.close();
  }
}

const round = (x: number) => Math.round(x * 1000) / 1000;

/** The `impostors` block of the manifest from clean faces: every pair of different people's subjects. */
function calibrate(cache: Map<string, CachedPhoto>): ImpostorCurve & { pairs: number } {
  return impostorCurve(
    cleanFaces(cache).map((f) => ({ person: f.person, e: Array.from(f.embedding) })),
    manifest.calibration.strong.threshold,
  );
}

const kinds = values.archive === 'both' ? (['clean', 'degraded'] as const) : [values.archive as 'clean' | 'degraded'];
const wanted = kinds.flatMap((kind) => {
  const plan = planQueue(imagesDir, {
    photos: PHOTOS,
    mates: MATES,
    strangers: STRANGERS,
    degraded: kind === 'degraded',
  });
  return [
    ...plan.families.map((f) => ({ rel: f.probe, kind: 'clean' as const, seed: 0 })),
    ...plan.archive.map((a) => ({ rel: a.rel, kind: a.kind, seed: a.seed })),
  ];
});
const cache = values['cached-only']
  ? readCache(values.cache, manifest.id)
  : await ensureFaces({
      imagesDir,
      cacheDir: values.cache,
      modelId: manifest.id,
      manifestPath,
      workers: WORKERS,
      wanted,
      log,
    });

if (values.calibrate) {
  const c = calibrate(cache);
  process.stdout.write(`${JSON.stringify({ impostors: c })}\n`);
}
let distractors: Distractors | undefined;
if (DISTRACTORS > 0) {
  const real = cleanFaces(cache);
  distractors = distractorGenerator(real, SEED);
  if (distractors.model.dims !== manifest.dims)
    throw new Error(`cached faces are ${distractors.model.dims}-d, the manifest ${manifest.dims}-d`);
  const sample = distractorPlan(Math.min(DISTRACTORS, 2000), SEED).map((p) => ({
    person: `synthetic:${p.identity}`,
    embedding: distractors!.gen.face(p.identity, p.faceNo),
  }));
  const { targets, model, frame } = distractors;
  const described = {
    distractors: {
      n: DISTRACTORS,
      seed: SEED,
      realFaces: real.length,
      targets,
      model: {
        betaA: model.betaA,
        betaB: model.betaB,
        rho: model.rho,
        sdClamped: model.sdClamped,
        effectiveDims: model.effectiveDims,
      },
      realParticipationRatio: frame.participationRatio,
      ...compareWithReal(real, sample, curveOf(manifest.calibration)),
    },
  };
  if (values.json) process.stdout.write(`${JSON.stringify(described)}\n`);
  else process.stdout.write(`${JSON.stringify(described, null, 1)}\n`);
}
for (const kind of kinds) {
  const r = await runArchive(kind, cache, distractors);
  if (values.json) process.stdout.write(`${JSON.stringify(r)}\n`);
  else {
    process.stdout.write(
      `${r.archive} archive: ${r.photos} photos${r.distractors ? ` + ${r.distractors} distractors` : ''}, N = ${r.archiveSize} faces; ` +
        `${r.families.mates} mate and ${r.families.strangers} stranger families; mate kept (any rank) ${r.mateKept.toFixed(3)}; ` +
        `kept per case (queued before the bar) ${r.keptPerCase}\n`,
    );
    for (const b of r.byFpir)
      process.stdout.write(
        `  fpir ${b.fpir}: queued/case ${b.queuedPerCase}, mate case ${b.queuedPerMateCase}, ` +
          `stranger case ${b.queuedPerStrangerCase} (any: ${b.strangerCasesWithAny}), strangers/case ${b.strangersPerCase}, ` +
          `mate queued ${b.mateQueued}\n`,
      );
  }
}
