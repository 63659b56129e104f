// talisman ships no type declarations; these are the one function kinfinder uses.
declare module 'talisman/phonetics/daitch-mokotoff.js' {
  /** Daitch-Mokotoff Soundex codes of a name (several when a letter group reads two ways). */
  export default function daitchMokotoff(name: string): string[];
}
