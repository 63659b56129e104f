import { bandFor, type Calibration } from '../face/manifest.ts';
import { compareRecords, type Level, type Levels } from '../records/compare.ts';
import type { ArchiveRecord, SubjectRecord } from '../records/record.ts';
import {
  matchProbability,
  mTable,
  M_PRIORS,
  totalWeight,
  uOf,
  uTable,
  weigh,
  type DecidedCounts,
  type Evidence,
  type MTable,
  type UTable,
} from '../records/weights.ts';
import type { Band } from '../vocabulary.ts';
import { candidateStrangerRate, curveOf, faceStrangerRate } from './bar.ts';

/**
 * One ranked list from the face and the record (issue 14 point 3): every candidate photo gets
 * the Fellegi-Sunter evidence of each field it can be compared on, the face's similarity bin
 * among them, and candidates are ranked by the total weight.
 */

/** A candidate as the linkage scores it: a face of an archive photo, or the whole photo when no face is compared. */
export interface LinkedCandidate {
  /** The archive person; photoId / faceId are his best evidence. */
  personId: string;
  photoId: string;
  faceId: string | null;
  referenceFaceId: string | null;
  similarity: number | null;
  band: Band | null;
  evidence: Evidence[];
  matchWeight: number;
  matchProbability: number;
  /** The face's stranger rate (src/match/bar.ts), null when no face was compared. */
  faceRate: number | null;
  /** The chance a stranger shows evidence this strong, face and record together, per archive record. */
  strangerRate: number;
}

/** What one archive photo brings to a case: a face compared with the references (or none), its record (or none). */
export interface PhotoEvidence {
  /** The archive person the photo belongs to (issue 26). */
  personId: string;
  photoId: string;
  /** `bandCap`: the gallery face's quality cap (quality.ts); an unclear face weighs as its capped band. */
  face?:
    | {
        faceId: string;
        referenceFaceId: string | null;
        similarity: number;
        bandCap?: string | null | undefined;
        /** The face's stranger rate from the two faces' own impostor scores (face-rates.ts); else read from the similarity alone. */
        strangerRate?: number | null | undefined;
      }
    | undefined;
  record?: ArchiveRecord | undefined;
}

/**
 * A photo found by its record alone is proposed only when the record itself says something:
 * this many bits from the record's fields (a surname agreeing alone in a large archive gives
 * 5 to 9, an ID number 14 or more; a name that differs, or only sounds alike, gives less).
 */
export const MIN_RECORD_WEIGHT = 3;

export function faceLevel(
  similarity: number,
  calibration: Pick<Calibration, 'strong' | 'possible' | 'floor'>,
  bandCap?: string | null,
): Level<'face'> {
  if (similarity < calibration.floor) return 'below_floor';
  return bandFor(similarity, calibration, { bandCap });
}

export interface LinkContext {
  subject: SubjectRecord | undefined;
  u: UTable;
  m: MTable;
  archiveSize: number;
  calibration: Pick<Calibration, 'strong' | 'possible' | 'floor' | 'impostors'>;
}

export function linkContext(
  subject: SubjectRecord | undefined,
  counts: Parameters<typeof uTable>[0],
  archiveSize: number,
  calibration: LinkContext['calibration'],
  /** What verifiers decided: confirmed pairs refine m, rejected ones u (weights.ts). */
  decided?: { confirmed: DecidedCounts; rejected: DecidedCounts },
): LinkContext {
  return {
    subject,
    u: uTable(counts, decided?.rejected),
    m: decided ? mTable(decided.confirmed) : M_PRIORS,
    archiveSize,
    calibration,
  };
}

/**
 * Scores one photo for one case. Returns undefined when it should not be proposed: a face
 * below the floor with no record evidence to carry it, or a record-only photo whose record says
 * too little (MIN_RECORD_WEIGHT).
 */
export function scorePhoto(ctx: LinkContext, p: PhotoEvidence): LinkedCandidate | undefined {
  const c = weighPhoto(ctx, p);
  const aboveFloor = p.face !== undefined && p.face.similarity >= ctx.calibration.floor;
  const recordWeight = totalWeight(c.evidence.filter((e) => e.field !== 'face'));
  if (!aboveFloor && recordWeight < MIN_RECORD_WEIGHT) return undefined;
  // Found by the record with a face far from the family's: still shown (the record may be right
  // and the photo poor), but not when the face outweighs the record.
  if (!aboveFloor && c.matchWeight <= 0) return undefined;
  return c;
}

/**
 * One photo's evidence for one case, whether or not it would be proposed: what a candidate
 * already in a case shows once the family's description changed (it stays in the case, at the
 * weight its evidence now gives).
 */
export function weighPhoto(ctx: LinkContext, p: PhotoEvidence): LinkedCandidate {
  const levels: Levels = ctx.subject && p.record ? compareRecords(ctx.subject, p.record) : {};
  const evidence = weigh(levels, ctx.u, ctx.m);
  const faceRate = p.face
    ? (p.face.strangerRate ?? faceStrangerRate(p.face.similarity, curveOf(ctx.calibration)))
    : null;
  if (p.face)
    evidence.unshift(...weigh({ face: faceLevel(p.face.similarity, ctx.calibration, p.face.bandCap) }, ctx.u, ctx.m));
  const matchWeight = totalWeight(evidence);
  return {
    personId: p.personId,
    photoId: p.photoId,
    faceId: p.face?.faceId ?? null,
    referenceFaceId: p.face?.referenceFaceId ?? null,
    similarity: p.face ? p.face.similarity : null,
    band: p.face ? bandFor(p.face.similarity, ctx.calibration, p.face) : null,
    evidence,
    matchWeight,
    matchProbability: matchProbability(matchWeight, ctx.archiveSize),
    faceRate,
    strangerRate: candidateStrangerRate(faceRate ?? undefined, uOf(levels, ctx.u)),
  };
}

/**
 * Scores one archive person for one case from all his photos (issue 26 point 2): his best face
 * (the face evidence that weighs most, then the closest) and his best record (the one whose
 * fields weigh most for this subject), together, as one candidate whose photo is the best face's
 * (or, with no face, the best record's). A person of one photo scores exactly as the photo does.
 */
export function scorePerson(ctx: LinkContext, photos: readonly PhotoEvidence[]): LinkedCandidate | undefined {
  const first = photos[0];
  if (!first) return undefined;
  let face: { p: PhotoEvidence; weight: number } | undefined;
  let record: { p: PhotoEvidence; weight: number } | undefined;
  for (const p of photos) {
    if (p.face) {
      const w = totalWeight(weighPhoto(ctx, { ...p, record: undefined }).evidence);
      if (!face || w > face.weight || (w === face.weight && p.face.similarity > face.p.face!.similarity))
        face = { p, weight: w };
    }
    if (p.record) {
      const w = totalWeight(weighPhoto(ctx, { ...p, face: undefined }).evidence);
      if (!record || w > record.weight) record = { p, weight: w };
    }
  }
  const shown = face?.p ?? record?.p ?? first;
  return scorePhoto(ctx, {
    personId: shown.personId,
    photoId: shown.photoId,
    face: face?.p.face,
    record: record?.p.record,
  });
}

/** Best first: total weight, then the face's similarity, then a stable order. */
export function byMatchWeight(a: LinkedCandidate, b: LinkedCandidate): number {
  return (
    b.matchWeight - a.matchWeight ||
    (b.similarity ?? -2) - (a.similarity ?? -2) ||
    (a.faceId ?? a.photoId).localeCompare(b.faceId ?? b.photoId)
  );
}
