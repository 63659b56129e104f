import type { Calibration } from '../face/manifest.ts';
import type { RecipeReport } from './run.ts';

/**
 * The manifest `calibration` block measured by one recipe's report: the thresholds come from all
 * impostor pairs among the photos (many more than the labelled pairs, so steadier), rounded away
 * from the side that would let more false matches through (strong and possible up, the floor
 * down, so fewer candidates are thrown away). Both `kinfinder eval pairs --write-calibration` and
 * scripts/accuracy/set-recipe.ts write it, so the rule lives here, not in either of them.
 */
export function calibrationFromReport(
  rep: RecipeReport,
  command: string,
  measuredAt = new Date().toISOString(),
): Calibration {
  const a = rep.all_impostors;
  return {
    strong: { threshold: round4up(a['threshold@0.1%']), fmr: 0.001 },
    possible: { threshold: round4up(a['threshold@1%']), fmr: 0.01 },
    floor: round4down(a['threshold@10%']),
    method:
      'Cosine similarity thresholds at which the false-match rate is ≤ 0.1 % (strong) and ≤ 1 % (possible) ' +
      `over all ${a.count} different-person pairs among the ${rep.photos} photos named by the LFW pairs file ` +
      `(labelled pairs alone give ${rep.pairs_fmr['threshold@0.1%'].toFixed(4)} / ${rep.pairs_fmr['threshold@1%'].toFixed(4)}); ` +
      'floor = the ≤ 10 % FMR threshold (candidates below it are not stored). ' +
      `10-fold accuracy ${(rep.accuracy.mean * 100).toFixed(2)} % ± ${(rep.accuracy.std * 100).toFixed(2)}, AUC ${rep.auc.toFixed(4)}, ` +
      `TAR ${(a['tar@far0.1%'] * 100).toFixed(1)} % at FAR 0.1 %, ${rep.noFace} photo(s) without a detected face. ` +
      'Development figures on LFW View 1 (deep-funneled news photos of public figures), not on prisoner or war-dead photos.',
    measuredAt,
    command,
    figures: {
      accuracy: rep.accuracy.mean,
      accuracyStd: rep.accuracy.std,
      auc: rep.auc,
      tarAtFar01: a['tar@far0.1%'],
      noFace: rep.noFace,
      pairs: rep.pairs,
      photos: rep.photos,
      impostorPairs: a.count,
    },
  };
}

const round4up = (x: number) => Math.ceil(x * 1e4) / 1e4;
const round4down = (x: number) => Math.floor(x * 1e4) / 1e4;
