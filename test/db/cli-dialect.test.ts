import fs from 'node:fs';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { main } from '../../bin/kinfinder.ts';
import { REPO_ROOT, runCliAll, type CliResult } from '../support/cli.ts';
import { createDeployment, type Deployment } from '../support/deployment.ts';

// Every command speaks one dialect (bin/args.ts): --help → stdout, 0; a wrong command line →
// `kinfinder <command>: <what>` and the usage on stderr, 2; a run where nothing could be read → 1.
//
// A spawn of the CLI costs seconds of tsx start-up on a busy machine, so the launcher is proven
// by spawning a few cases of each kind, and the full matrix (every command × help, unknown
// option, bad values) calls the same `main()` the launcher calls, in this process, with the same
// environment and its own streams. Relative paths are relative to the repository root, the
// children's working directory.

let dep: Deployment;
beforeEach(() => {
  dep = createDeployment();
});
afterEach(async () => {
  await dep.destroy();
});

/** Spawns the real CLI once per command line; one result each, in order. */
function spawnAll<const T extends readonly string[][]>(
  argvs: T,
  env = dep.env(),
): Promise<{ -readonly [K in keyof T]: CliResult }> {
  return runCliAll(argvs as unknown as string[][], env) as Promise<{ -readonly [K in keyof T]: CliResult }>;
}

/** `main(argv)` in this process: what `node bin/kinfinder.mjs argv` does, minus the launcher. */
async function inProcess(argv: string[], env = dep.env()): Promise<CliResult> {
  const out = new PassThrough();
  const err = new PassThrough();
  let stdout = '';
  let stderr = '';
  out.on('data', (d: Buffer) => (stdout += d.toString()));
  err.on('data', (d: Buffer) => (stderr += d.toString()));
  const code = await main(argv, { env, stdout: out, stderr: err });
  return { code, stdout, stderr };
}

/** `main()` once per command line; one result each, in order. */
async function inProcessEach<const T extends readonly string[][]>(
  argvs: T,
  env = dep.env(),
): Promise<{ -readonly [K in keyof T]: CliResult }> {
  const results: CliResult[] = [];
  for (const argv of argvs) results.push(await inProcess(argv, env));
  return results as { -readonly [K in keyof T]: CliResult };
}

/** `[argv as typed, result]`, so a failing assertion says which command line it was. */
async function inProcessAll(argvs: string[][], env = dep.env()): Promise<Array<[string, CliResult]>> {
  const results: Array<[string, CliResult]> = [];
  for (const argv of argvs) results.push([argv.join(' '), await inProcess(argv, env)]);
  return results;
}

const VALID_ID = '123e4567-e89b-42d3-a456-426614174000';
const COMMANDS = ['serve', 'worker', 'ingest', 'search', 'embed', 'eval', 'token', 'migrate'];

describe('the kinfinder launcher (spawned)', () => {
  it('answers --help, a wrong command line and a broken environment with 0, 2 and 1', async () => {
    const broken = dep.env({ PORT: 'abc' });
    const [top, alone, unknown, ingestHelp, unknownOption, badValue] = await spawnAll([
      ['--help'],
      [],
      ['frobnicate'],
      ['ingest', '--help'],
      ['search', 'x.jpg', '--frobnicate'],
      ['serve', '--concurrency', '0'],
    ]);
    expect(top.code).toBe(0);
    expect(top.stderr).toBe('');
    for (const c of COMMANDS) expect(top.stdout).toMatch(new RegExp(`^  ${c} `, 'm'));
    expect(alone.code).toBe(2);
    expect(alone.stdout).toBe('');
    expect(alone.stderr).toBe(top.stdout);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/^kinfinder: unknown command 'frobnicate'\n\nusage: kinfinder <command>/);
    expect(ingestHelp.code).toBe(0);
    expect(ingestHelp.stderr).toBe('');
    expect(ingestHelp.stdout).toMatch(/^usage: kinfinder ingest <path…> \[--source NAME\]/);
    expect(unknownOption.code).toBe(2);
    expect(unknownOption.stdout).toBe('');
    expect(unknownOption.stderr).toBe(
      "kinfinder search: unknown option '--frobnicate'\nusage: kinfinder search [photo…] [--subject JSON] [--top N] [--face N] [--json]\n",
    );
    expect(badValue.code).toBe(2);
    expect(badValue.stderr).toMatch(
      /^kinfinder serve: --concurrency must be a whole number ≥ 1, not '0'\nusage: kinfinder serve /,
    );

    // The command line is judged before the environment: help works under a broken one and a
    // wrong command line is still 2; only a run that needs the configuration fails on it (1).
    const [help, bogus, runs] = await spawnAll([['serve', '--help'], ['serve', '--bogus'], ['migrate']], broken);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/^usage: kinfinder serve/);
    expect(bogus.code).toBe(2);
    expect(bogus.stderr).toMatch(/^kinfinder serve: unknown option '--bogus'/);
    expect(runs.code).toBe(1);
    expect(runs.stderr).toMatch(/^kinfinder migrate: invalid configuration: PORT/);
    expect(fs.readdirSync(dep.dataDir)).toEqual([]);
  });

  it('exits 1 when nothing could be read, naming the paths as they were typed', async () => {
    const [ingest, embed, search, evalImages] = await spawnAll([
      ['ingest', 'no/such/photo.jpg', './other/missing.zip'],
      ['embed', 'no/such/photo.jpg'],
      ['search', 'no/such/photo.jpg'],
      ['eval', 'pairs', '--images', 'no/such/dir', '--pairs', 'test/fixtures/lfw/pairs.txt'],
    ]);
    for (const r of [ingest, embed, search, evalImages]) {
      expect(r.code, r.stderr).toBe(1);
      expect(r.stderr + r.stdout).not.toContain(REPO_ROOT);
    }
    expect(ingest.stdout).toBe('');
    expect(ingest.stderr).toBe(
      'kinfinder ingest: no/such/photo.jpg: no such file or folder\nkinfinder ingest: ./other/missing.zip: no such file or folder\n',
    );
    expect(embed.stdout).toBe('no/such/photo.jpg: error not_found: no such file or folder\n');
    expect(embed.stderr).toBe('kinfinder embed: no photo could be analysed: no/such/photo.jpg (not_found)\n');
    expect(search.stderr).toBe('kinfinder search: no/such/photo.jpg: no such file or folder\n');
    expect(evalImages.stderr).toBe('kinfinder eval pairs: no/such/dir: no such file or folder\n');
    // Refused before anything was opened: no database, no blobs.
    expect(fs.readdirSync(dep.dataDir)).toEqual([]);
  });

  it('keeps exit 0 for an ingest where some paths exist, listing the missing ones as typed', async () => {
    const photo = 'test/fixtures/lfw/images/Aaron_Peirsol/Aaron_Peirsol_0001.jpg';
    const [r] = await spawnAll([['ingest', photo, 'no/such/photo.jpg', '--json']]);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout.trim())).toMatchObject({
      photos: 2,
      failed: 1,
      queued: 1,
      errors: [{ file: 'no/such/photo.jpg', code: 'not_found' }],
    });
  });
});

describe('every command (main in process)', () => {
  it('prints its usage, arguments, options with defaults and exit status for --help and -h, on stdout, exit 0', async () => {
    // command → what its help must show besides `usage: kinfinder <command>`
    const expected: Record<string, string[]> = {
      serve: ['--port N', '(default: PORT, else 3000)', '--host HOST', '--concurrency N'],
      worker: ['--concurrency N', '(default: KINFINDER_CONCURRENCY or the core count)'],
      ingest: ['<path…>', '--source NAME', '--metadata FILE', '--wait', '--json', 'none of the paths given exists'],
      search: ['[photo…]', '--subject JSON', '--top N', '(default: 20)', '--face N', '--json'],
      embed: [
        '<photo…>',
        '--json',
        '--backend NAME',
        '(default: auto)',
        'at least one photo was analysed',
        'no photo could be analysed',
      ],
      'eval pairs': ['--images DIR', '--pairs FILE', '(required)', '--recipe', '--write-calibration'],
      'token create': ['--role operator|verifier|admin|hotline', '--name NAME', '(required)', '--json'],
      'token list': ['--revoked', '--json'],
      'token revoke': ['<id>'],
      migrate: [],
    };
    const argvs = Object.keys(expected).flatMap((c) => [
      [...c.split(' '), '--help'],
      [...c.split(' '), '-h'],
    ]);
    for (const [argv, r] of await inProcessAll([...argvs, ['help', 'ingest']])) {
      const command = argv.replace(/ (--help|-h)$/, '').replace(/^help /, '');
      expect(r.code, `${argv}: ${r.stderr}`).toBe(0);
      expect(r.stderr, argv).toBe('');
      expect(r.stdout, argv).toMatch(new RegExp(`^usage: kinfinder ${command}\\b`));
      for (const text of [...expected[command]!, '-h, --help', 'exit status:', '  2  the command line was wrong'])
        expect(r.stdout, argv).toContain(text);
    }
    const [short, word, tokenGroup, evalGroup] = await inProcessEach([
      ['-h'],
      ['help'],
      ['token', '--help'],
      ['eval', '-h'],
    ]);
    for (const r of [short, word]) {
      expect(r.code).toBe(0);
      for (const c of COMMANDS) expect(r.stdout).toMatch(new RegExp(`^  ${c} `, 'm'));
    }
    expect(tokenGroup.code).toBe(0);
    expect(tokenGroup.stdout).toMatch(
      /^usage: kinfinder token create .*\n\s+kinfinder token list .*\n\s+kinfinder token revoke <id>/,
    );
    expect(evalGroup.code).toBe(0);
    expect(evalGroup.stdout).toMatch(/^usage: kinfinder eval pairs --images DIR --pairs FILE/);
  });

  it('names an unknown option, a wrong value, a missing or extra argument on stderr with its usage, exit 2', async () => {
    const withUnknown = [
      'serve',
      'worker',
      'ingest x.jpg',
      'search x.jpg',
      'embed x.jpg',
      'eval pairs',
      'token create',
      `token revoke ${VALID_ID}`,
      'migrate',
    ];
    for (const [argv, r] of await inProcessAll(withUnknown.map((c) => [...c.split(' '), '--frobnicate']))) {
      const name = argv
        .split(' ')
        .filter((w) => /^[a-z]+$/.test(w))
        .join(' ');
      expect(r.code, `${argv}: ${r.stderr}`).toBe(2);
      expect(r.stdout, argv).toBe('');
      expect(r.stderr, argv).toMatch(
        new RegExp(`^kinfinder ${name}: unknown option '--frobnicate'\\nusage: kinfinder ${name}\\b`),
      );
    }

    const cases: Array<[string[], RegExp]> = [
      [
        ['search', 'x.jpg', '--top', 'abc'],
        /^kinfinder search: --top must be a whole number from 1 to 500, not 'abc'\nusage: kinfinder search /,
      ],
      [['search', 'x.jpg', '--top', '501'], /^kinfinder search: --top must be a whole number from 1 to 500, not '501'/],
      [['search', 'x.jpg', '--face=-1'], /^kinfinder search: --face must be a whole number ≥ 0, not '-1'/],
      [['search', 'x.jpg', '--top'], /^kinfinder search: --top needs a value/],
      [['search', 'x.jpg', '--json=yes'], /^kinfinder search: --json takes no value/],
      [['serve', '--port', '70000'], /^kinfinder serve: --port must be a whole number from 0 to 65535, not '70000'/],
      [['worker', '--concurrency', '1.5'], /^kinfinder worker: --concurrency must be a whole number ≥ 1, not '1.5'/],
      [['ingest', 'x', '--concurrency', '0'], /^kinfinder ingest: --concurrency must be a whole number ≥ 1, not '0'/],
      [
        ['ingest', 'x', '--source', '--json'],
        /^kinfinder ingest: --source needs a value \(NAME\), not the option '--json'/,
      ],
      [
        ['embed', 'x.jpg', '--backend', 'gpu'],
        /^kinfinder embed: --backend must be one of auto, wasm, cpu, tfjs-node, not 'gpu'/,
      ],
      [
        ['eval', 'pairs', '--images', 'd', '--pairs', 'p', '--concurrency', 'many'],
        /^kinfinder eval pairs: --concurrency must be a whole number ≥ 1, not 'many'/,
      ],
      [
        ['token', 'create', '--role', 'emperor', '--name', 'x'],
        /^kinfinder token create: --role must be one of operator, verifier, admin, hotline, not 'emperor'\nusage: kinfinder token create /,
      ],
      [['token', 'create', '--role', 'admin'], /^kinfinder token create: missing --name NAME/],
      [['token', 'revoke', 'not-an-id'], /^kinfinder token revoke: 'not-an-id' is not a token id/],
      [['token', 'revoke', VALID_ID, 'extra'], /^kinfinder token revoke: unexpected argument 'extra'/],
      [
        ['token'],
        /^kinfinder token: missing command: create, list or revoke\nusage: kinfinder token create .*\n\s+kinfinder token list .*\n\s+kinfinder token revoke/,
      ],
      [['token', 'lst'], /^kinfinder token: unknown command 'lst'/],
      [['eval'], /^kinfinder eval: missing command: pairs/],
      [['eval', '--frobnicate'], /^kinfinder eval: unknown option '--frobnicate'/],
      [
        ['eval', 'pairs', '--pairs', 'p.txt'],
        /^kinfinder eval pairs: missing --images DIR\nusage: kinfinder eval pairs /,
      ],
      [
        ['eval', 'pairs', '--images', 'd', '--pairs', 'p', '--recipe', 'nope'],
        /^kinfinder eval pairs: --recipe must name recipes among manifest, /,
      ],
      [['ingest'], /^kinfinder ingest: missing argument <path…>\nusage: kinfinder ingest <path…>/],
      [['search'], /^kinfinder search: give at least one photo, or --subject/],
      [['embed'], /^kinfinder embed: missing argument <photo…>/],
      [['migrate', 'extra'], /^kinfinder migrate: unexpected argument 'extra'/],
      [['--frobnicate'], /^kinfinder: unknown option '--frobnicate'/],
    ];
    const results = await inProcessAll(cases.map(([argv]) => argv));
    results.forEach(([argv, r], i) => {
      expect(r.code, `${argv}: ${r.stderr}`).toBe(2);
      expect(r.stdout, argv).toBe('');
      expect(r.stderr, argv).toMatch(cases[i]![1]);
    });
    expect(fs.readdirSync(dep.dataDir)).toEqual([]);
  });

  it('exits 1 for the other inputs that cannot be read, naming them as typed', async () => {
    const images = path.join(REPO_ROOT, 'test/fixtures/lfw/images');
    const [metadata, embedJson, evalPairs] = await inProcessEach([
      ['ingest', images, '--metadata', 'no/such/metadata.csv'],
      ['embed', '--json', 'no/such/photo.jpg', './no/such/other.jpg'],
      ['eval', 'pairs', '--images', images, '--pairs', 'no/such/pairs.txt'],
    ]);
    for (const r of [metadata, embedJson, evalPairs]) expect(r.code, r.stderr).toBe(1);
    expect(metadata.stderr).toMatch(/^kinfinder ingest: no\/such\/metadata\.csv: no such file or folder\n$/);
    expect(
      embedJson.stdout
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l) as unknown),
    ).toEqual([
      { file: 'no/such/photo.jpg', index: 0, error: { code: 'not_found', message: 'no such file or folder' } },
      { file: './no/such/other.jpg', index: 1, error: { code: 'not_found', message: 'no such file or folder' } },
    ]);
    expect(embedJson.stderr).toBe(
      'kinfinder embed: no photo could be analysed: no/such/photo.jpg (not_found), ./no/such/other.jpg (not_found)\n',
    );
    expect(evalPairs.stderr).toBe('kinfinder eval pairs: no/such/pairs.txt: no such file or folder\n');
    expect(fs.readdirSync(dep.dataDir)).toEqual([]);
  });
});
