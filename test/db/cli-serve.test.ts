import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readMigrations } from '../../src/store/migrate.ts';
import { connectChannel } from '../../src/store/channel-client.ts';
import { localServer } from '../../bin/server-address.ts';
import { childEnv, freePort, REPO_ROOT, runCli, runCliAll, startScript } from '../support/cli.ts';
import { testDbKind } from '../support/db.ts';
import { readmeShellBlock } from '../support/readme.ts';

// These run the real CLI on the embedded database only: they prove the PGlite lifecycle
// (lock, clean close, reopen), which has no PostgreSQL counterpart.
const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'kinfinder-serve-'));
afterAll(() => fs.rmSync(dataDir, { recursive: true, force: true }));
/** The newest migration's number: what a fresh data directory ends up at. */
let latest = 0;
beforeAll(async () => {
  latest = Math.max(...(await readMigrations()).map((m) => m.version));
});

const announced = () => localServer(dataDir);
const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};
async function until(ok: () => boolean, ms: number): Promise<void> {
  const deadline = Date.now() + ms;
  while (!ok()) {
    if (Date.now() > deadline) throw new Error(`not within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

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

  // The embedded database's own lifecycle: in the PostgreSQL pass (KINFINDER_TEST_DB=postgres)
  // it would run again unchanged, so it runs in the PGlite pass only; commands on PostgreSQL are
  // local-channel.test.ts's.
  if (testDbKind() === 'pglite')
    it(
      'runs the README flow as typed; beside it, commands work through the server; it stops cleanly and reopens',
      { timeout: 400_000 },
      async () => {
        const port = await freePort();
        const env = childEnv({ KINFINDER_DATA_DIR: dataDir, PORT: String(port), KINFINDER_ADMIN_TOKEN: undefined });
        // The README's own block (the server started in the background by `npm start &`): every
        // request must succeed, and it prints what the README's comments say.
        const flow = startScript(readmeShellBlock('The whole flow with curl'), env);
        let serverPid: number | undefined;
        try {
          const r = await flow.done(300_000);
          serverPid = announced()?.pid;
          expect(r.code, `${r.stdout}\n${r.stderr}`).toBe(0);
          expect(r.stderr).not.toMatch(/\n\s+at /); // no stack trace
          const lines = r.stdout.trim().split('\n');
          expect(lines).toEqual(
            expect.arrayContaining(['open', "[ 'result_rechecked' ]", 'pending', 'disputed', 'confirmed', '1']),
          );
          expect(lines.at(-1)).toBe('204');
          const health = (await (await fetch(`http://127.0.0.1:${port}/healthz`)).json()) as object;
          expect(health).toMatchObject({ status: 'ok', database: { kind: 'pglite', schemaVersion: latest } });

          // The server announced itself (and its local channel) to this machine's user only.
          const file = path.join(dataDir, 'serve.json');
          expect(fs.statSync(file).mode & 0o777).toBe(0o600);
          expect(serverPid).toBeTypeOf('number');

          // Commands that need the database work through it, with the output they have alone.
          const photos = path.join(REPO_ROOT, 'test/fixtures/lfw/images/Vladimir_Putin');
          const [token, ingest] = await runCliAll(
            [
              ['token', 'create', '--role', 'operator', '--name', 'cli beside serve', '--json'],
              ['ingest', photos, '--wait', '--json', '--source', 'beside serve'],
            ],
            env,
            { parallel: 2, timeoutMs: 180_000 },
          );
          expect(token!.code, token!.stderr).toBe(0);
          expect(JSON.parse(token!.stdout)).toMatchObject({ role: 'operator', name: 'cli beside serve' });
          // The summary the run prints alone, its photos processed by the server's workers.
          expect(ingest!.code, ingest!.stderr).toBe(0);
          expect(JSON.parse(ingest!.stdout.trim().split('\n').at(-1)!)).toMatchObject({
            photos: 2,
            done: 2,
            failed: 0,
            faces: 2,
          });
          // A second server or worker would run a second set of workers on it, a restore would
          // replace it: refused, saying why. Run together: each pays tsx's start-up.
          const [migrate, second, worker, restore, listed] = await runCliAll(
            [
              ['migrate'],
              ['serve', '--port', '0'],
              ['worker'],
              ['restore', path.join(dataDir, 'none.tar')],
              ['token', 'list', '--json'],
            ],
            env,
            { parallel: 5 },
          );
          const { id } = JSON.parse(token!.stdout) as { id: string };
          expect(listed!.code, listed!.stderr).toBe(0);
          expect((JSON.parse(listed!.stdout) as { items: Array<{ id: string }> }).items.map((t) => t.id)).toContain(id);
          const revoked = await runCli(['token', 'revoke', id], env);
          expect([revoked.code, revoked.stdout]).toEqual([0, `revoked ${id}\n`]);
          expect(migrate!.code, migrate!.stderr).toBe(0);
          expect(migrate!.stdout).toBe(`pglite database already at version ${latest}\n`);
          expect([second!.code, worker!.code, restore!.code]).toEqual([1, 1, 1]);
          const holder = /kinfinder serve \(pid \d+, http:\/\/127\.0\.0\.1:\d+\) holds the embedded database/;
          expect(second!.stderr).toMatch(holder);
          expect(worker!.stderr).toMatch(holder);
          expect(worker!.stderr).toMatch(/for PostgreSQL deployments/);
          expect(restore!.stderr).toMatch(
            /kinfinder serve \(pid \d+\) is serving .*: restore into an empty data directory/,
          );

          // Audited as the command line; a client without the secret gets nothing.
          const channel = announced()!.channel!;
          const db = await connectChannel(channel);
          try {
            const rows = await db.query<{ action: string }>(
              `SELECT action FROM audit_events WHERE actor_role = 'cli' AND action IN ('token.create', 'token.revoke', 'batch.create') ORDER BY action`,
            );
            expect(rows.rows.map((x) => x.action)).toEqual(['batch.create', 'token.create', 'token.revoke']);
          } finally {
            await db.close();
          }
          await expect(connectChannel({ ...channel, secret: '00'.repeat(32) })).rejects.toMatchObject({
            code: 'unauthorized',
          });
        } finally {
          // The server alone first (one SIGINT: a clean stop), then whatever else the script left.
          if (serverPid) {
            process.kill(serverPid, 'SIGINT');
            await until(() => !alive(serverPid!), 60_000).catch(() => undefined);
          }
          flow.stop();
        }
        expect(alive(serverPid!)).toBe(false);
        expect(fs.existsSync(path.join(dataDir, 'db', 'kinfinder.lock'))).toBe(false);
        expect(fs.existsSync(path.join(dataDir, 'serve.json'))).toBe(false);

        const again = await runCli(['migrate'], env);
        expect(again.code).toBe(0);
        expect(again.stdout).toContain(`already at version ${latest}`);
      },
    );
});
