/**
 * Fits the search benchmark's face-geometry model (geometry.ts) to real descriptors: the faces
 * of an ingested LFW-style folder (`<Person>/<Person>_0001.jpg`), one face per photo (the one
 * nearest the photo's centre, as LFW's labels mean), and checks the fitted model and the older
 * power-law model against those descriptors on the same 1:N task.
 *
 *   KINFINDER_DATA_DIR=/tmp/kf-full npx kinfinder ingest ../shared/data/lfw-dev/images --wait
 *   npx tsx scripts/bench/face-geometry.ts --data-dir /tmp/kf-full [--url postgres://…] \
 *       [--out scripts/bench/face-geometry.json]
 *
 * Prints one JSON line (the comparison) last.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import { parseArgs } from 'node:util';
import type { Database } from '../../src/store/database.ts';
import { openDatabase } from '../../src/store/open.ts';
import { fitGeometry, GeometryFaceGenerator, groupByPerson, type Labelled } from './geometry.ts';
import { dot, FaceGenerator, fitModel } from './synth.ts';

interface FaceRow {
  original_name: string;
  width: number;
  height: number;
  box_x: number;
  box_y: number;
  box_width: number;
  box_height: number;
  embedding: string;
}

async function centralFaces(db: Database): Promise<Labelled[]> {
  const rows = (
    await db.query<FaceRow>(
      `SELECT p.original_name, p.width, p.height, f.box_x, f.box_y, f.box_width, f.box_height, f.embedding::text AS embedding
         FROM faces f JOIN photos p ON p.id = f.photo_id
        WHERE p.status = 'done' ORDER BY p.original_name, f.face_index`,
    )
  ).rows;
  const best = new Map<string, { d: number; row: FaceRow }>();
  for (const r of rows) {
    const d = Math.hypot(r.box_x + r.box_width / 2 - r.width / 2, r.box_y + r.box_height / 2 - r.height / 2);
    const b = best.get(r.original_name);
    if (!b || d < b.d) best.set(r.original_name, { d, row: r });
  }
  const out: Labelled[] = [];
  for (const [name, { row }] of best) {
    const m = /^(.+)_\d{4}\.[a-z]+$/i.exec(path.basename(name));
    if (!m) continue;
    out.push({ person: m[1]!, embedding: Float64Array.from(JSON.parse(row.embedding) as number[]) });
  }
  return out;
}

/**
 * The 1:N task the index serves, at lfw-dev's size: every person with ≥ 2 photos searches with
 * their last photo against all other photos. Reports how often the exact rank-1 is the person,
 * the mate's similarity, the best impostor's, and the share of queries whose mate beats every
 * impostor by less than 0.01 (the near-ties an approximate index most easily gets wrong).
 */
function task(people: ArrayLike<number>[][]) {
  const gallery: Array<{ p: number; e: ArrayLike<number> }> = [];
  const queries: Array<{ p: number; e: ArrayLike<number> }> = [];
  people.forEach((rows, p) => {
    rows.forEach((e, i) => (rows.length >= 2 && i === rows.length - 1 ? queries : gallery).push({ p, e }));
  });
  let rank1 = 0;
  let close = 0;
  const mate: number[] = [];
  const impostor: number[] = [];
  const lid: number[] = [];
  const K = 20;
  for (const q of queries) {
    let bestMate = -2;
    let bestImp = -2;
    const dists: number[] = [];
    for (const g of gallery) {
      const s = dot(q.e, g.e);
      dists.push(1 - s);
      if (g.p === q.p) bestMate = Math.max(bestMate, s);
      else bestImp = Math.max(bestImp, s);
    }
    if (bestMate > bestImp) rank1++;
    if (Math.abs(bestMate - bestImp) < 0.01) close++;
    mate.push(bestMate);
    impostor.push(bestImp);
    // Local intrinsic dimensionality (Levina–Bickel MLE over the K nearest): the quantity that
    // governs how hard an approximate nearest-neighbour search is around this query.
    dists.sort((a, b) => a - b);
    const dk = dists[K - 1]!;
    let sum = 0;
    for (let i = 0; i < K - 1; i++) sum += Math.log(Math.max(dists[i]!, 1e-12) / dk);
    lid.push(-(K - 1) / sum);
  }
  const avg = (xs: number[]) => Math.round((xs.reduce((a, b) => a + b, 0) / xs.length) * 1e4) / 1e4;
  return {
    gallery: gallery.length,
    queries: queries.length,
    truePersonAtRank1: Math.round((rank1 / queries.length) * 1e4) / 1e4,
    mateMean: avg(mate),
    bestImpostorMean: avg(impostor),
    nearTies: Math.round((close / queries.length) * 1e4) / 1e4,
    lidMedian: Math.round([...lid].sort((a, b) => a - b)[Math.floor(lid.length / 2)]! * 10) / 10,
  };
}

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      'data-dir': { type: 'string' },
      url: { type: 'string' },
      schema: { type: 'string' },
      out: { type: 'string', default: 'scripts/bench/face-geometry.json' },
      seed: { type: 'string', default: '1' },
    },
    strict: true,
  });
  if (!values['data-dir'] && !values.url) {
    process.stderr.write(
      'usage: npx tsx scripts/bench/face-geometry.ts --data-dir DIR | --url URL [--schema S] [--out FILE]\n',
    );
    return 2;
  }
  const db = await openDatabase({
    databaseUrl: values.url,
    dataDir: values['data-dir'] ?? '.',
    dbSchema: values.schema,
  });
  let faces: Labelled[];
  let modelId: string | undefined;
  try {
    faces = await centralFaces(db);
    modelId = (await db.query<{ model_id: string }>(`SELECT DISTINCT model_id FROM faces`)).rows
      .map((r) => r.model_id)
      .join(',');
  } finally {
    await db.close();
  }
  if (faces.length < 100)
    throw new Error(`only ${faces.length} labelled faces found: ingest an LFW-style folder first`);
  const geometry = fitGeometry(faces, {
    what: 'central face of each photo of an ingested LFW-style folder (lfw-dev); see scripts/bench/face-geometry.ts',
    model: modelId,
    measuredAt: new Date().toISOString(),
  });
  await fs.writeFile(values.out, `${JSON.stringify(geometry)}\n`);
  process.stderr.write(`wrote ${values.out}: ${faces.length} faces of ${geometry.real.people} people\n`);

  // The same people and photo counts, drawn from each synthetic model, on the same task.
  const byPerson = groupByPerson(faces);
  const counts = [...byPerson.values()].map((r) => r.length);
  const seed = Number(values.seed);
  const fitted = new GeometryFaceGenerator(geometry, seed);
  const power = new FaceGenerator(
    fitModel({
      dims: geometry.dims,
      sameMean: geometry.real.sameMean,
      sameSd: geometry.real.sameSd,
      diffMean: geometry.real.diffMean,
      alpha: 0.85,
    }),
    seed,
  );
  const checked = (face: (id: number, no: number) => ArrayLike<number>) => {
    const people = counts.map((n, p) => Array.from({ length: n }, (_, i) => face(p, i)));
    const labelled = people.flatMap((rows, p) => rows.map((e) => ({ person: String(p), embedding: e })));
    return { ...fitGeometry(labelled, {}).real, task: task(people) };
  };
  const line = {
    real: { ...geometry.real, task: task([...byPerson.values()]) },
    fitted: checked((id, no) => fitted.face(id, no)),
    powerLaw: checked((id, no) => power.face(id, no)),
  };
  process.stdout.write(`${JSON.stringify(line)}\n`);
  return 0;
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(`face-geometry: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = 1;
  },
);
