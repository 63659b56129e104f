import fs from 'node:fs';
import path from 'node:path';
import { REPO_ROOT } from './cli.ts';

/**
 * The first ```sh block under the README heading `heading`, as a reader would copy it: tests run
 * the README's own commands, so the README and what is tested cannot drift apart.
 */
export function readmeShellBlock(heading: string): string {
  const text = fs.readFileSync(path.join(REPO_ROOT, 'README.md'), 'utf8');
  const at = text.indexOf(`\n## ${heading}\n`);
  if (at < 0) throw new Error(`README.md has no section "${heading}"`);
  const m = /\n```sh\n([\s\S]*?)\n```\n/.exec(text.slice(at));
  if (!m) throw new Error(`README.md section "${heading}" has no sh block`);
  return m[1]!;
}
