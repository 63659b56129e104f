/**
 * Make a measured recipe the product recipe: writes `recipe`, `id` and `calibration` into
 * models/face-api.json from an `eval pairs --json` output that includes that recipe.
 *   npx tsx scripts/accuracy/set-recipe.ts RUN.json RECIPE_NAME "COMMAND THAT PRODUCED RUN.json"
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { calibrationFromReport } from '../../src/eval/calibration.ts';
import type { RecipeReport } from '../../src/eval/run.ts';
import { RECIPES } from '../../src/eval/recipes.ts';
import { DEFAULT_MANIFEST_PATH, loadManifest } from '../../src/face/index.ts';

const [runFile, name, command] = process.argv.slice(2);
if (!runFile || !name || !command) throw new Error('usage: set-recipe.ts RUN.json RECIPE_NAME COMMAND');
const run = JSON.parse(readFileSync(runFile, 'utf8')) as { reports: RecipeReport[] };
const rep = run.reports.find((r) => r.recipe === name);
const recipe = RECIPES[name];
if (!rep || !recipe) throw new Error(`recipe ${name} not in ${runFile} or not a named recipe`);
const m = JSON.parse(readFileSync(DEFAULT_MANIFEST_PATH, 'utf8')) as Record<string, unknown>;
m.id = `face-api-1.7.15:ssd+lm68+rec128:${name}:v1`;
m.recipe = recipe;
m.calibration = calibrationFromReport(rep, command);
writeFileSync(DEFAULT_MANIFEST_PATH, `${JSON.stringify(m, null, 2)}\n`);
const check = await loadManifest();
console.log(
  JSON.stringify({
    id: check.id,
    calibration: {
      strong: check.calibration.strong,
      possible: check.calibration.possible,
      floor: check.calibration.floor,
    },
  }),
);
