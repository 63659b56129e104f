import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readMigrations } from '../../src/store/migrate.ts';
import { childEnv, freePort, runCli, startCli, waitForExit, waitForHttp } from '../support/cli.ts';

// These run the real CLI on the embedded database only: they prove the PGlite lifecycle
// (lock, clean close, reopen), which has no PostgreSQL counterpart.
const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'kinfinder-serve-'));
afterAll(() => fs.rmSync(dataDir, { recursive: true, force: true }));
/** The newest migration's number: what a fresh data directory ends up at. */
let latest = 0;
beforeAll(async () => {
  latest = Math.max(...(await readMigrations()).map((m) => m.version));
});

describe('kinfinder serve', () => {
  it('fails fast on bad configuration, naming the variable', async () => {
    const r = await runCli(['serve'], childEnv({ PORT: 'abc', KINFINDER_DATA_DIR: dataDir }));
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/PORT/);
    expect(fs.readdirSync(dataDir)).toEqual([]);
  });

  it('rejects unknown commands and options with a usage error', async () => {
    const env = childEnv({ KINFINDER_DATA_DIR: dataDir });
    expect((await runCli(['frobnicate'], env)).code).toBe(2);
    const r = await runCli(['migrate', '--bogus'], env);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/bogus/);
  });

  it(
    'serves /healthz, stops cleanly on SIGINT, keeps a second process out, and reopens the same data',
    { timeout: 300_000 },
    async () => {
      const port = await freePort();
      const env = childEnv({ KINFINDER_DATA_DIR: dataDir, PORT: String(port) });
      const first = startCli(['serve'], env);
      try {
        // serve loads the face engine before it listens: allow for a busy machine
        const res = await waitForHttp(`http://127.0.0.1:${port}/healthz`, 150_000);
        expect(res.status).toBe(200);
        expect(await res.json()).toMatchObject({ status: 'ok', database: { kind: 'pglite', schemaVersion: latest } });

        const second = await runCli(['migrate'], env);
        expect(second.code).toBe(1);
        expect(second.stderr).toMatch(/in use by another kinfinder process/);
      } finally {
        first.kill('SIGINT');
      }
      expect(await waitForExit(first)).toBe(0);
      expect(fs.existsSync(path.join(dataDir, 'db', 'kinfinder.lock'))).toBe(false);

      const again = await runCli(['migrate'], env);
      expect(again.code).toBe(0);
      expect(again.stdout).toContain(`already at version ${latest}`);
    },
  );
});
