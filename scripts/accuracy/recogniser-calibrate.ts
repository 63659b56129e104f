/**
 * From recogniser-dump.ts's output: face-api alone, MobileFaceNet alone and the two fused, on
 * every pair whose two photos are in it (LFW protocol: 10-fold accuracy, TAR at FAR 0.1 % over
 * all different-person pairs among the photos). The fusion weights are 1/σ of each descriptor's
 * impostor cosines (fusion.ts `weightsFromSpread`: the z-normalised sum's order), reported;
 * the fused figures use the manifest's own weights unless --reweigh (1/σ) or --weights A,B are
 * given (new weights change every fused vector: the manifest's id moves to the next fused-vN,
 * so an installation re-embeds). --grid reports accuracy, TAR and 1:N rank 1 for MobileFaceNet
 * weights 0.1-0.6, the figures a choice of weights is made on. With --write, the fused calibration
 * and its impostor curve (src/eval/impostor-curve.ts, the queue's bar) go into
 * models/face-api+mobilefacenet.json, and face-api's own impostor curve, from the same photos'
 * face-api part, into models/face-api.json (its thresholds stay those of its own evaluation).
 *   npx tsx scripts/accuracy/recogniser-calibrate.ts DUMP.jsonl [--write "COMMAND"] [--reweigh | --weights A,B] [--grid] [PAIRS]
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { calibrationFromReport } from '../../src/eval/calibration.ts';
import { cosine } from '../../src/eval/metrics.ts';
import { imageKey, parsePairs } from '../../src/eval/pairs.ts';
import { report } from '../../src/eval/run.ts';
import { fuse, unfuse, weightsFromSpread } from '../../src/face/fusion.ts';
import { loadManifest, manifestPathOf } from '../../src/face/manifest.ts';
import { impostorCurve } from '../../src/eval/impostor-curve.ts';
import { COHORT_SIZE } from '../../src/match/bar.ts';

const args = process.argv.slice(2);
const dump = args[0];
const w = args.indexOf('--write');
const command = w >= 0 ? args[w + 1] : undefined;
const reweigh = args.includes('--reweigh');
const grid = args.includes('--grid');
const wi = args.indexOf('--weights');
const given = wi >= 0 ? (args[wi + 1] ?? '').split(',').map(Number) : undefined;
if (given && !(given.length === 2 && given.every((x) => x > 0 && x < 1) && Math.abs(given[0]! + given[1]! - 1) < 1e-9))
  throw new Error('--weights takes two numbers between 0 and 1 that sum to 1, e.g. 0.6,0.4');
const pairsFile =
  args.find((a, i) => i > 0 && !a.startsWith('--') && i !== w + 1 && i !== wi + 1) ??
  '../shared/data/lfw-dev/pairs.txt';
if (!dump) throw new Error('usage: recogniser-calibrate.ts DUMP.jsonl [--write "COMMAND"] [PAIRS]');

interface Row {
  key: string;
  e?: number[];
  detected: boolean;
  rotation: number;
  roll?: number;
}
const rows = readFileSync(dump, 'utf8')
  .split('\n')
  .filter(Boolean)
  .map((l) => JSON.parse(l) as Row);
const by = new Map(rows.filter((r) => r.e).map((r) => [r.key, r]));
const pairs = parsePairs(readFileSync(pairsFile, 'utf8')).filter((p) => by.has(imageKey(p.a)) && by.has(imageKey(p.b)));
const keys = [...new Set(pairs.flatMap((p) => [imageKey(p.a), imageKey(p.b)]))];
const part = (f: (e: number[]) => number[]) =>
  new Map(keys.map((k) => [k, { e: f(by.get(k)!.e!), detected: by.get(k)!.detected }]));
// Each descriptor from the dump's vector, and the two fused with given weights: one definition
// for the pairs, the impostor curves, 1:N and the grid.
const faceapiOf = (e: number[]) => Array.from(unfuse(e, 128)[0]);
const mobileOf = (e: number[]) => Array.from(unfuse(e, 128)[1]);
const fusedWith = (ws: [number, number]) => (e: number[]) => {
  const [a, b] = unfuse(e, 128);
  return Array.from(fuse(a, b, ws));
};
const faceapi = part(faceapiOf);
const mobile = part(mobileOf);

/** Mean and spread of the cosines of every different-person pair among the photos. */
function impostors(m: Map<string, { e: number[] }>): { mean: number; sd: number } {
  const es = [...m.entries()];
  let n = 0,
    s = 0,
    s2 = 0;
  for (let i = 0; i < es.length; i++)
    for (let j = i + 1; j < es.length; j++) {
      if (es[i]![0].split('#')[0] === es[j]![0].split('#')[0]) continue;
      const c = cosine(es[i]![1].e, es[j]![1].e);
      n++;
      s += c;
      s2 += c * c;
    }
  const mean = s / n;
  return { mean, sd: Math.sqrt(s2 / n - mean * mean) };
}
const spread = { faceapi: impostors(faceapi), mobilefacenet: impostors(mobile) };
const measuredWeights = weightsFromSpread(spread.faceapi.sd, spread.mobilefacenet.sd).map(
  (x) => Math.round(x * 1e4) / 1e4,
) as [number, number];
measuredWeights[1] = Math.round((1 - measuredWeights[0]) * 1e4) / 1e4;
const fusedFile = manifestPathOf('face-api+mobilefacenet');
const fusedManifest = JSON.parse(readFileSync(fusedFile, 'utf8')) as {
  id: string;
  recipe: { fusion: { weights: [number, number] } };
  calibration: Record<string, unknown>;
};
const weights: [number, number] = given
  ? [given[0]!, given[1]!]
  : reweigh
    ? measuredWeights
    : fusedManifest.recipe.fusion.weights;
const reweighed = weights.some((x, i) => x !== fusedManifest.recipe.fusion.weights[i]);
const fused = part(fusedWith(weights));
const summary = (name: string, m: typeof fused) => {
  const r = report(name, pairs, m);
  return {
    report: r,
    figures: {
      accuracy: r.accuracy.mean,
      accuracyStd: r.accuracy.std,
      auc: r.auc,
      tarAtFar01: r.all_impostors['tar@far0.1%'],
      thresholds: [
        r.all_impostors['threshold@0.1%'],
        r.all_impostors['threshold@1%'],
        r.all_impostors['threshold@10%'],
      ],
    },
  };
};
const results = {
  faceapi: summary('face-api', faceapi),
  mobilefacenet: summary('mobilefacenet', mobile),
  fused: summary('face-api+mobilefacenet', fused),
};
// The queue's bar reads each recogniser's own impostor curve (src/match/bar.ts): every photo
// in the dump, labelled by person, not only those the pairs name.
const person = (key: string) => key.split('#')[0]!;
// A cohort face at the recogniser's `strong` threshold counts as the face's own (bar.ts:cohortStats):
// face-api's from its manifest, the fused recipe's from this run.
const curveFrom = (f: (e: number[]) => number[], sameMan: number) =>
  impostorCurve(
    rows.filter((r) => r.e).map((r) => ({ person: person(r.key), e: f(r.e!) })),
    sameMan,
  );
const plainFile = manifestPathOf('face-api');
const plainManifest = await loadManifest(plainFile);
const curves = command
  ? {
      faceapi: curveFrom(faceapiOf, plainManifest.calibration.strong.threshold),
      fused: curveFrom(
        fusedWith(weights),
        // as the manifest's own `strong` (src/eval/calibration.ts rounds it up)
        Math.ceil(results.fused.figures.thresholds[0]! * 1e4) / 1e4,
      ),
    }
  : undefined;

// Identification (1:N) on the same photos, exact search: each person with two or more photos
// enrolled by the first, up to three others searched for; everyone else's first photo stands in
// the gallery as a stranger. Rank 1 and top 10 for each descriptor, on identical faces.
const byPerson = new Map<string, string[]>();
for (const r of rows.filter((x) => x.e)) {
  const list = byPerson.get(person(r.key)) ?? [];
  list.push(r.key);
  byPerson.set(person(r.key), list);
}
const photoNo = (k: string) => Number(k.split('#')[1]);
for (const list of byPerson.values()) list.sort((a, b) => photoNo(a) - photoNo(b));
const galleryKeys = [...byPerson.values()].map((l) => l[0]!);
const probeKeys = [...byPerson.values()].flatMap((l) => l.slice(1, 4));
function identify(f: (e: number[]) => number[]) {
  const gallery = galleryKeys.map((k) => ({ who: person(k), e: f(by.get(k)!.e!) }));
  let rank1 = 0;
  let top10 = 0;
  for (const k of probeKeys) {
    const e = f(by.get(k)!.e!);
    const own = gallery.find((g) => g.who === person(k))!;
    const mine = cosine(e, own.e);
    let above = 0;
    for (const g of gallery) if (g !== own && cosine(e, g.e) > mine) above++;
    if (above === 0) rank1++;
    if (above < 10) top10++;
  }
  return { rank1: rank1 / probeKeys.length, top10: top10 / probeKeys.length };
}
const identification = {
  gallery: galleryKeys.length,
  probes: probeKeys.length,
  faceapi: identify(faceapiOf),
  mobilefacenet: identify(mobileOf),
  fused: identify(fusedWith(weights)),
};
// --grid: the figures a choice of weights is made on, for MobileFaceNet's share 0.1-0.6
const weightGrid = grid
  ? [0.1, 0.2, 0.3, 0.4, 0.5, 0.6].map((mfn) => {
      const ws: [number, number] = [Math.round((1 - mfn) * 10) / 10, mfn];
      const f = fusedWith(ws);
      const g = summary(`fused ${ws.join('/')}`, part(f)).figures;
      return { weights: ws, accuracy: g.accuracy, tarAtFar01: g.tarAtFar01, rank1: identify(f).rank1 };
    })
  : undefined;
// the same-person pairs MobileFaceNet scores lowest: where a crop went wrong shows here
const lowest = pairs
  .filter((p) => p.same)
  .map((p) => ({
    pair: `${imageKey(p.a)} ${imageKey(p.b)}`,
    mobilefacenet: cosine(mobile.get(imageKey(p.a))!.e, mobile.get(imageKey(p.b))!.e),
    rotation: [by.get(imageKey(p.a))!.rotation, by.get(imageKey(p.b))!.rotation],
  }))
  .sort((a, b) => a.mobilefacenet - b.mobilefacenet)
  .slice(0, 5);
console.log(
  JSON.stringify(
    {
      pairs: pairs.length,
      samePairs: pairs.filter((p) => p.same).length,
      photos: keys.length,
      impostorPairs: results.fused.report.all_impostors.count,
      spread,
      weights,
      measuredWeights,
      faceapi: results.faceapi.figures,
      mobilefacenet: results.mobilefacenet.figures,
      fused: results.fused.figures,
      identification,
      ...(weightGrid ? { weightGrid } : {}),
      turnedPhotos: rows.filter((r) => r.rotation !== 0).map((r) => r.key),
      lowest,
    },
    null,
    1,
  ),
);
const alone = (f: { accuracy: number; tarAtFar01: number }) =>
  `${(f.accuracy * 100).toFixed(2)} %, TAR ${(f.tarAtFar01 * 100).toFixed(1)} %`;
if (command && curves) {
  const file = fusedFile;
  const m = fusedManifest;
  m.recipe.fusion.weights = weights;
  // new weights are a new recipe: every stored fused vector changes, so the id must too
  if (reweighed) m.id = m.id.replace(/fused-v(\d+)$/, (_, n: string) => `fused-v${Number(n) + 1}`);
  const cal = calibrationFromReport(results.fused.report, command);
  cal.method =
    `Fused cosine = ${weights[0]} × face-api's + ${weights[1]} × MobileFaceNet's (` +
    (given
      ? `weights given with --weights; `
      : `weights ∝ 1/σ of each one's different-person cosines, so it ranks as their z-normalised sum; `) +
    `σ ${spread.faceapi.sd.toFixed(4)} and ${spread.mobilefacenet.sd.toFixed(4)}). Measured on ${pairs.length} of lfw-dev's 2 200 pairs` +
    (pairs.length < 2200 ? ` (an even prefix of every fold). ` : '. ') +
    `${cal.method} ` +
    `Alone on the same pairs: face-api ${alone(results.faceapi.figures)}; MobileFaceNet ${alone(results.mobilefacenet.figures)}.`;
  m.calibration = { ...cal, impostors: impostorsBlock(curves.fused) };
  writeFileSync(file, `${JSON.stringify(m, null, 2)}\n`);
  await loadManifest(file); // still valid
  const plain = JSON.parse(readFileSync(plainFile, 'utf8')) as { calibration: Record<string, unknown> };
  plain.calibration.impostors = impostorsBlock(curves.faceapi);
  writeFileSync(plainFile, `${JSON.stringify(plain, null, 2)}\n`);
  await loadManifest(plainFile);
  console.error(
    `weights, calibration and impostor curves written to ${file}; face-api's impostor curve to ${plainFile}`,
  );
}

function impostorsBlock(c: ReturnType<typeof impostorCurve>) {
  return {
    cohortMean: c.cohortMean,
    cohortStd: c.cohortStd,
    points: c.points,
    method:
      `A typical face's median similarity to a cohort of ${COHORT_SIZE} archive faces (an even sample) and its ` +
      'spread read from the upper tail, (95th percentile − median)/1.645, cohort faces at `strong` that are outliers ' +
      `left out as the face's own, and the share of the ${c.pairs} different-person pairs among ${rows.filter((r) => r.e).length} ` +
      `lfw-dev photos at or above each S-normalised similarity (src/match/bar.ts, src/eval/impostor-curve.ts).`,
    command: command!,
  };
}
