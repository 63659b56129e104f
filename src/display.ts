/**
 * Names shown to people on a terminal (file names, zip entries, sources, CSV paths): control
 * characters could clear the screen, move the cursor or forge a line of the summary, and bidi
 * controls could show a name reversed. They are made visible instead: `\n`, `\r`, `\t`,
 * `\x1b`, `\u{202e}`. (JSON output needs none of this: JSON.stringify escapes them itself.)
 */
export function displaySafe(name: string): string {
  // eslint-disable-next-line no-control-regex
  return name.replace(/[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g, (c) => {
    if (c === '\n') return '\\n';
    if (c === '\r') return '\\r';
    if (c === '\t') return '\\t';
    const n = c.charCodeAt(0);
    return n <= 0xff ? `\\x${n.toString(16).padStart(2, '0')}` : `\\u{${n.toString(16)}}`;
  });
}
