/**
 * CPU of the whole analysis a photo, face-api alone against the fused recipe (issue 30): one
 * engine runs the two recipes separately and alternately on the fixture photos, so nothing is
 * shared between them; process.cpuUsage() counts every thread (sharp's too).
 *   nice -n 10 npx tsx scripts/accuracy/recogniser-cost.ts [PHOTOS]
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { createFaceEngine } from '../../src/face/index.ts';
import { loadManifest, manifestPathOf } from '../../src/face/manifest.ts';
import { normalise } from '../../src/image/index.ts';
const limits = { maxPixels: 50e6, maxBytes: 50e6 };
const plain = await loadManifest(manifestPathOf('face-api'));
const fused = await loadManifest(manifestPathOf('face-api+mobilefacenet'));
const engine = await createFaceEngine({ limits, manifestPath: manifestPathOf('face-api+mobilefacenet') });
const dir = 'test/fixtures/lfw/images';
const files = readdirSync(dir)
  .flatMap((p) => readdirSync(path.join(dir, p)).map((f) => path.join(dir, p, f)))
  .slice(0, Number(process.argv[2] ?? 40));
const cpu = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};
const imgs = await Promise.all(files.map(async (f) => normalise(readFileSync(f), limits)));
// warm up both
await engine.analyseImageRecipes(imgs[0]!, [plain.recipe]);
await engine.analyseImageRecipes(imgs[0]!, [fused.recipe]);
const t = { plain: 0, fused: 0 };
let faces = 0;
for (let round = 0; round < 2; round++)
  for (const img of imgs) {
    const order: Array<'plain' | 'fused'> = round % 2 ? ['fused', 'plain'] : ['plain', 'fused'];
    for (const which of order) {
      const c0 = cpu();
      const [r] = await engine.analyseImageRecipes(img, [which === 'plain' ? plain.recipe : fused.recipe]);
      t[which] += cpu() - c0;
      if (which === 'plain') faces += r!.faces.length;
    }
  }
const n = imgs.length * 2;
console.log(
  JSON.stringify({
    photos: imgs.length,
    passes: 2,
    facesPerPhoto: faces / n,
    cpuMsPerPhoto: { plain: t.plain / n, fused: t.fused / n },
    extra: t.fused / t.plain - 1,
  }),
);
await engine.close();
