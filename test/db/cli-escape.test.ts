import fs from 'node:fs';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../bin/kinfinder.ts';
import { displaySafe } from '../../src/display.ts';
import { createDeployment, type Deployment } from '../support/deployment.ts';

// A file name can hold terminal controls: the CLI shows every name it prints escaped, so a name
// cannot clear the screen or forge a line of the summary.

let dep: Deployment;
beforeAll(() => {
  dep = createDeployment();
});
afterAll(async () => {
  await dep?.destroy();
});

async function run(argv: string[]) {
  const out = new PassThrough();
  const err = new PassThrough();
  const chunks = { out: '', err: '' };
  out.on('data', (d: Buffer) => (chunks.out += d.toString('utf8')));
  err.on('data', (d: Buffer) => (chunks.err += d.toString('utf8')));
  const code = await main(argv, { env: dep.env(), stdout: out, stderr: err });
  return { code, ...chunks };
}

describe('names the CLI prints', () => {
  it('escapes control, line-break and bidi characters', () => {
    expect(displaySafe('a\x1b[2Jb')).toBe('a\\x1b[2Jb');
    expect(displaySafe('x.jpg\n0 files: 0 done')).toBe('x.jpg\\n0 files: 0 done');
    expect(displaySafe('invoice\u202egpj.exe')).toBe('invoice\\u{202e}gpj.exe');
    expect(displaySafe('Коваль С.П. 1999.jpg')).toBe('Коваль С.П. 1999.jpg');
  });

  it('shows a hostile file name in the ingest summary without its controls', async () => {
    const dir = path.join(dep.dataDir, 'in');
    fs.mkdirSync(dir);
    const hostile = 'evil\x1b[2J\n5 files: 5 done, 0 failed.jpg';
    fs.writeFileSync(path.join(dir, hostile), 'not a photo');
    const r = await run(['ingest', dir]);
    expect(r.code).toBe(0);
    expect(r.out).not.toContain('\x1b');
    expect(r.out).toContain('evil\\x1b[2J\\n5 files: 5 done, 0 failed.jpg');
    // one summary line and one error line: the name forged no line of its own
    expect(r.out.trim().split('\n')).toHaveLength(2);
  });

  it('escapes what was typed when it comes back in an error', async () => {
    const r = await run(['ingest', '--source', 'x', 'no/such\x1b]0;pwned\x07dir']);
    expect(r.code).toBe(1);
    expect(r.err.includes('\x07') || r.err.includes('\x1b')).toBe(false);
    expect(r.err).toContain('no/such\\x1b]0;pwned\\x07dir');
  });
});
