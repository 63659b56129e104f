import { latinForm } from './normalise.ts';

/**
 * Distinguishing marks (tattoos, scars, birthmarks) and units, compared by what they name rather
 * than how they are worded: "татуировка на левом плече", "тату на лівому плечі" and "tattoo,
 * left shoulder" all name a tattoo on the shoulder. Words are matched by their beginnings after
 * transliteration (so Russian, Ukrainian and English endings do not matter).
 */

// kind → beginnings of words (transliterated) that name it.
const KINDS: Record<string, string[]> = {
  tattoo: ['tatu', 'tattoo', 'nakolk', 'tatuir', 'tatuiu', 'tatuyu'],
  scar: ['shram', 'scar', 'rubets', 'rubts', 'rubec', 'rubc'],
  birthmark: ['rodink', 'rodimo', 'rodym', 'birthmark', 'mole', 'pigment'],
  missing: ['otsutstv', 'vidsutn', 'missing', 'amputat'],
  burn: ['ozhog', 'opik', 'burn'],
};

const BODY_PARTS: Record<string, string[]> = {
  shoulder: ['plech', 'shoulder'],
  forearm: ['predplech', 'peredplich', 'forearm'],
  arm: ['ruk', 'arm'],
  hand: ['kist', 'hand', 'ladon', 'dolon'],
  finger: ['palets', 'palts', 'palt', 'finger'],
  chest: ['grud', 'hrud', 'chest'],
  back: ['spin', 'back'],
  leg: ['nog', 'leg', 'bedr', 'stegn', 'thigh', 'golen', 'homil'],
  neck: ['she', 'shy', 'neck'],
  face: ['litso', 'lits', 'oblych', 'oblich', 'face', 'shchek', 'shchok', 'cheek', 'lob', 'forehead', 'chol'],
  head: ['golov', 'holov', 'head'],
  belly: ['zhivot', 'zhyvot', 'belly', 'abdomen'],
};

function words(text: string): string[] {
  return text
    .normalize('NFKC')
    .toLowerCase()
    .split(/[^\p{L}\p{N}]+/u)
    .filter((w) => w !== '')
    .map((w) => latinForm(w));
}

function found(ws: readonly string[], table: Record<string, string[]>): string[] {
  const out = new Set<string>();
  for (const w of ws) {
    for (const [key, starts] of Object.entries(table)) {
      // Short beginnings ("she", "lob", "arm") must be the whole word or nearly, or "shest" (six) is a neck.
      if (starts.some((s) => w.startsWith(s) && (s.length >= 4 || w.length <= s.length + 2))) out.add(key);
    }
  }
  return [...out];
}

export interface MarkKeys {
  kinds: string[];
  parts: string[];
}

export function markKeys(text: string): MarkKeys {
  const ws = words(text);
  return { kinds: found(ws, KINDS), parts: found(ws, BODY_PARTS) };
}

/**
 * A unit by its numbers: "в/ч А0536", "93 ОМБр", "93rd brigade" name units by 0536 and 93. Runs
 * of at least two digits, leading zeros kept (А0536 and 536 are different units).
 */
export function unitKeys(text: string): string[] {
  return [...new Set(text.normalize('NFKC').match(/\d{2,}/g) ?? [])];
}
