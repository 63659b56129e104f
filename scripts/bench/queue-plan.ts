import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { KINDS, type Kind } from './field-degrade.ts';

/**
 * Who is in bench:queue's archive and who searches it, deterministically from the lfw-dev
 * listing: `mates` (people with ≥ 2 photos) have their first photo archived and search with
 * their second; `strangers` (people with ≥ 2 photos, disjoint) have nothing archived and search
 * with their first; the rest of the archive is every photo of everybody else, taken evenly
 * in a fixed shuffled order until it holds `photos`. In the degraded archive every archive photo is
 * degraded in one of bench:field's kinds, in turn; the families' photos stay clean.
 */
export interface QueuePlan {
  archive: Array<{ rel: string; person: string; kind: 'clean' | Kind; seed: number }>;
  families: Array<{ person: string; probe: string; archived: boolean }>;
}

export function planQueue(
  imagesDir: string,
  opts: { photos: number; mates: number; strangers: number; degraded: boolean },
): QueuePlan {
  const everyone = fs
    .readdirSync(imagesDir)
    .sort()
    .map((name) => ({
      name,
      files: fs
        .readdirSync(path.join(imagesDir, name))
        .sort()
        .map((f) => `${name}/${f}`),
    }));
  const multi = everyone.filter((p) => p.files.length >= 2);
  const want = opts.mates + opts.strangers;
  const stride = multi.length / Math.max(want, 1);
  const chosen = Array.from({ length: Math.min(want, multi.length) }, (_, i) => multi[Math.floor(i * stride)]!);
  // alternate, so mates and strangers are spread alike along the listing
  const mates = chosen.filter((_, i) => i % 2 === 0 || i >= 2 * opts.strangers).slice(0, opts.mates);
  const strangers = chosen.filter((p) => !mates.includes(p)).slice(0, opts.strangers);
  const taken = new Set([...mates, ...strangers].map((p) => p.name));
  const rest = everyone
    .filter((p) => !taken.has(p.name))
    .flatMap((p) => p.files.map((f) => ({ rel: f, person: p.name })));
  // a fixed shuffle of the rest: a smaller archive is the start of a larger one (faces computed once serve both)
  const others = Math.max(0, opts.photos - mates.length);
  const distractors = rest
    .map((r) => ({ r, h: createHash('sha256').update(r.rel).digest('hex') }))
    .sort((a, b) => a.h.localeCompare(b.h))
    .slice(0, others)
    .map((x) => x.r);
  const archive = [...mates.map((p) => ({ rel: p.files[0]!, person: p.name })), ...distractors].map((a, i) => ({
    ...a,
    kind: opts.degraded ? KINDS[i % KINDS.length]! : ('clean' as const),
    seed: i,
  }));
  return {
    archive,
    families: [
      ...mates.map((p) => ({ person: p.name, probe: p.files[1]!, archived: true })),
      ...strangers.map((p) => ({ person: p.name, probe: p.files[0]!, archived: false })),
    ],
  };
}
