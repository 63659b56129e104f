/**
 * A conservative estimate of how many bits of entropy a secret such as the bootstrap admin token
 * carries, for refusing weak ones at start-up.
 *
 * Why not zxcvbn: it prices unmatched characters at 10 guesses each, so a random 32-character
 * base64 token (192 bits) scores ~106 bits and would be refused; its dictionaries also weigh
 * more than the rest of this service's code. Admin tokens are meant to be machine-generated
 * (`openssl rand -hex 24`), so what must be caught is the human-made kind: one character
 * repeated, keyboard or alphabet runs, a word or two padded to length. The estimate is the
 * smaller of two counts:
 *  - per character: each character is worth log2 of the smallest usual alphabet holding every
 *    character of the secret (digits, hex, letters, base64, printable ASCII), except that runs
 *    of 3+ characters with a constant step of -1, 0 or +1 ("aaaa", "1234", "fedc") are worth the
 *    run's first character plus log2 of its length, and common words (below) about 11 bits each
 *    (log2 of a 2,000-word vocabulary: what a dictionary attack pays for a word);
 *  - per distribution: length × the (bias-corrected) Shannon entropy of the secret's own character frequencies,
 *    which catches repeated words ("passwordpassword…") and few-symbol strings ("abab…").
 */
export function estimateEntropyBits(secret: string): number {
  const chars = [...secret];
  if (chars.length === 0) return 0;
  const perChar = Math.log2(alphabetSize(chars));

  let structured = 0;
  let i = 0;
  while (i < chars.length) {
    const word = wordAt(chars, i);
    if (word > 0) {
      structured += WORD_BITS;
      i += word;
      continue;
    }
    const run = runAt(chars, i);
    if (run >= 3) {
      structured += perChar + Math.log2(run);
      i += run;
      continue;
    }
    structured += perChar;
    i++;
  }

  const counts = new Map<string, number>();
  for (const c of chars) counts.set(c, (counts.get(c) ?? 0) + 1);
  let shannon = 0;
  for (const n of counts.values()) {
    const p = n / chars.length;
    shannon -= p * Math.log2(p);
  }
  // Miller–Madow correction: the plug-in estimate from a short sample runs low (a random
  // 32-character base64 token shows ~26 of its 64 symbols), which would refuse good tokens.
  const corrected = shannon + (counts.size - 1) / (2 * chars.length);
  return Math.min(structured, corrected * chars.length);
}

const WORD_BITS = 11;

/**
 * Words people put in secrets (generic, service-specific, keyboard walks); four letters or more
 * so that random tokens almost never contain one by chance (a given 4-letter word appears in a
 * random 32-character base64 token with probability ~2e-6).
 */
const WORDS = [
  'password',
  'passwd',
  'secret',
  'admin',
  'administrator',
  'root',
  'token',
  'kinfinder',
  'letmein',
  'welcome',
  'qwerty',
  'azerty',
  'asdf',
  'zxcv',
  'changeme',
  'default',
  'test',
  'testing',
  'master',
  'login',
  'user',
  'guest',
  'dragon',
  'monkey',
  'shadow',
  'sunshine',
  'iloveyou',
  'football',
  'baseball',
  'trustno1',
  'access',
  'super',
  'superuser',
  'hello',
  'love',
  'family',
  'soldier',
  'army',
  'missing',
  'photo',
  'server',
  'service',
  'example',
  'sample',
  'demo',
  'local',
  'localhost',
  'production',
  'staging',
  'key',
  'pass',
  'word',
]
  .filter((w) => w.length >= 4)
  .sort((a, b) => b.length - a.length);

/** Length of the longest common word starting at `i` (case-insensitive), 0 if none. */
function wordAt(chars: string[], i: number): number {
  const rest = chars.slice(i).join('').toLowerCase();
  for (const w of WORDS) if (rest.startsWith(w)) return w.length;
  return 0;
}

/** Length of the run starting at `i` whose code points step by a constant -1, 0 or +1. */
function runAt(chars: string[], i: number): number {
  if (i + 1 >= chars.length) return 1;
  const code = (k: number) => chars[k]!.codePointAt(0)!;
  const step = code(i + 1) - code(i);
  if (Math.abs(step) > 1) return 1;
  let end = i + 1;
  while (end + 1 < chars.length && code(end + 1) - code(end) === step) end++;
  return end - i + 1;
}

function alphabetSize(chars: string[]): number {
  const all = (re: RegExp) => chars.every((c) => re.test(c));
  if (all(/^[0-9]$/)) return 10;
  if (all(/^[0-9a-f]$/) || all(/^[0-9A-F]$/)) return 16;
  if (all(/^[a-z]$/) || all(/^[A-Z]$/)) return 26;
  if (all(/^[0-9a-z]$/) || all(/^[0-9A-Z]$/)) return 36;
  if (all(/^[0-9A-Za-z]$/)) return 62;
  if (all(/^[0-9A-Za-z+/=_-]$/)) return 64;
  if (all(/^[\x20-\x7e]$/)) return 95;
  // Beyond ASCII nothing bounds the alphabet usefully; count it like printable ASCII.
  return 95;
}
