import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../support/cli.ts';

/**
 * ARCHITECTURE.md is how a newcomer finds their way: every file, folder and `file:function` it
 * names must exist, or the map sends them to code that has moved. This reads the document the
 * way a reader would and checks each name against the tree.
 */

const DOC = fs.readFileSync(path.join(REPO_ROOT, 'ARCHITECTURE.md'), 'utf8');

interface Reference {
  line: number;
  file: string;
  /** `fn`, or `Class.method`, or undefined for a bare file or folder. */
  symbol?: string;
}

/**
 * Backticked names that contain a path: `src/x.ts`, `src/x.ts:fn`, `src/x/`, and in a table row
 * whose first cell is a folder, bare `y.ts` names inside that folder.
 */
function references(): Reference[] {
  const refs: Reference[] = [];
  DOC.split('\n').forEach((text, i) => {
    const rowDir = /^\|\s*`([\w./-]+\/)`/.exec(text)?.[1];
    for (const m of text.matchAll(/`([\w./-]+)(?::([\w.]+))?`/g)) {
      const [, name, symbol] = m;
      if (!name) continue;
      let file: string | undefined;
      if (name.includes('/') && /^(src|api|workers|bin|test|scripts|models)\//.test(name)) file = name;
      else if (rowDir && /^[\w-]+\.(ts|mjs|js)$/.test(name)) file = rowDir + name;
      if (file) refs.push({ line: i + 1, file, ...(symbol ? { symbol } : {}) });
    }
  });
  return refs;
}

/** Whether `source` declares `name`: a function, class, const, type, interface, or a method or property of an object or class. */
function declares(source: string, name: string): boolean {
  const n = name.replace(/[$]/g, '\\$&');
  return new RegExp(
    [
      `\\b(function\\*?|class|const|let|var|interface|type|enum)\\s+${n}\\b`,
      // a method or an object's function property: `name(`, `async name(`, `name: (`, `name = (`
      `^\\s*(public |private |protected |static |readonly |async |get )*${n}\\s*(<[^>]*>)?\\(`,
      `^\\s*(readonly )?${n}\\s*[:=]`,
      // re-exports: `export { name } from`
      `export\\s*\\{[^}]*\\b${n}\\b[^}]*\\}`,
    ].join('|'),
    'm',
  ).test(source);
}

const refs = references();

describe('ARCHITECTURE.md', () => {
  it('names files and functions at all (the check below is not vacuous)', () => {
    expect(refs.filter((r) => r.symbol).length).toBeGreaterThan(40);
  });

  it('names only files and folders that exist', () => {
    const missing = refs
      .filter((r) => !fs.existsSync(path.join(REPO_ROOT, r.file)))
      .map((r) => `line ${r.line}: ${r.file}`);
    expect(missing).toEqual([]);
  });

  it('names only functions that exist in the file it gives', () => {
    const missing: string[] = [];
    for (const r of refs) {
      const abs = path.join(REPO_ROOT, r.file);
      if (!r.symbol || !fs.existsSync(abs) || fs.statSync(abs).isDirectory()) continue;
      const source = fs.readFileSync(abs, 'utf8');
      // `Class.method`: both the class and the method must be there.
      if (!r.symbol.split('.').every((part) => declares(source, part)))
        missing.push(`line ${r.line}: ${r.file}:${r.symbol}`);
    }
    expect(missing).toEqual([]);
  });
});
