import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openPglite } from '../../src/store/pglite.ts';
import { childEnv, freePort, runCli, startCli, waitForExit, waitForHttp } from '../support/cli.ts';
import { testDbKind } from '../support/db.ts';
import { createDeployment, type Deployment } from '../support/deployment.ts';
import { lfwPeople } from '../support/fixtures.ts';

// `kinfinder backup` / `restore` (issue 15 point 7) are for the embedded database: the PGlite
// suite runs them end to end; on PostgreSQL (pg_dump's job) they must say so and write nothing.
const tmp = (prefix: string) => fs.mkdtempSync(path.join(os.tmpdir(), prefix));
const envFor = (dataDir: string, extra: Record<string, string> = {}) =>
  childEnv({ KINFINDER_DATA_DIR: dataDir, KINFINDER_CONCURRENCY: '1', ...extra });

interface SearchJson {
  candidates: Array<{ photoId: string; similarity: number; photo: { originalName: string } }>;
}
const ranked = (r: SearchJson) => r.candidates.map((c) => [c.photo.originalName, c.similarity.toFixed(4)]);

async function auditCount(dataDir: string): Promise<number> {
  const db = await openPglite({ dataDir: path.join(dataDir, 'db') });
  try {
    return (await db.query<{ n: number }>('SELECT count(*)::integer AS n FROM audit_events')).rows[0]!.n;
  } finally {
    await db.close();
  }
}

if (testDbKind() === 'pglite')
  describe('kinfinder backup and restore (embedded database)', () => {
    const source = tmp('kf-backup-src-');
    const work = tmp('kf-backup-files-');
    const people = lfwPeople(2).slice(0, 3);
    const probe = people[0]!.files[0]!;
    let before: SearchJson;
    afterAll(() => {
      for (const d of [source, work]) fs.rmSync(d, { recursive: true, force: true });
    });

    beforeAll(async () => {
      const gallery = people.flatMap((p) => p.files.slice(1, 3));
      const ingest = await runCli(
        ['ingest', ...gallery, '--wait', '--json', '--source', 'backup test'],
        envFor(source),
        { timeoutMs: 300_000 },
      );
      expect(ingest.code, ingest.stderr).toBe(0);
      const search = await runCli(['search', probe, '--json'], envFor(source), { timeoutMs: 120_000 });
      expect(search.code, search.stderr).toBe(0);
      before = JSON.parse(search.stdout) as SearchJson;
      expect(before.candidates.length).toBeGreaterThan(0);
    }, 400_000);

    it('a restored backup answers the same search and keeps the audit', { timeout: 300_000 }, async () => {
      const file = path.join(work, 'offline.tar');
      const backup = await runCli(['backup', file], envFor(source), { timeoutMs: 120_000 });
      expect(backup.code, backup.stderr).toBe(0);
      expect(backup.stdout).toMatch(/backup written: schema \d+, \d+ stored files/);
      expect(fs.readdirSync(work)).toEqual(['offline.tar']); // no partial file left

      const audited = await auditCount(source); // the backup itself is audited
      const target = tmp('kf-backup-dst-');
      try {
        const restore = await runCli(['restore', file], envFor(target), { timeoutMs: 120_000 });
        expect(restore.code, restore.stderr).toBe(0);
        expect(restore.stdout).toMatch(/^restored: schema \d+ from .*, \d+ stored files, \d+ audit events\n$/);
        const restoredAudit = await auditCount(target);
        expect(restoredAudit).toBe(audited - 1); // everything but the backup's own event, recorded after the snapshot
        const after = await runCli(['search', probe, '--json'], envFor(target), { timeoutMs: 120_000 });
        expect(after.code, after.stderr).toBe(0);
        expect(ranked(JSON.parse(after.stdout) as SearchJson)).toEqual(ranked(before));
        // the photos came back too: every stored blob of the source is in the target
        const blobs = (dir: string) =>
          fs
            .readdirSync(path.join(dir, 'blobs'), { recursive: true })
            .map(String)
            .filter((n) => /[0-9a-f]{64}$/.test(n))
            .sort();
        expect(blobs(target)).toEqual(blobs(source));

        // never over an existing installation
        const again = await runCli(['restore', file], envFor(target));
        expect(again.code).toBe(1);
        expect(again.stderr).toMatch(/already holds a database: restore into an empty data directory/);
      } finally {
        fs.rmSync(target, { recursive: true, force: true });
      }
    });

    it('refuses a damaged archive and leaves the data directory without a database', { timeout: 120_000 }, async () => {
      const file = path.join(work, 'damaged.tar');
      const good = path.join(work, 'good.tar');
      expect((await runCli(['backup', good], envFor(source), { timeoutMs: 120_000 })).code).toBe(0);
      const bytes = fs.readFileSync(good);
      // flip one byte inside the last stored blob: its tar header starts with its name, its bytes
      // start at the next 512-byte block
      const header = bytes.lastIndexOf('blobs/');
      expect(header % 512).toBe(0);
      const at = header + 512 + 10;
      bytes[at] = bytes[at]! ^ 0xff;
      fs.writeFileSync(file, bytes);
      const target = tmp('kf-backup-bad-');
      try {
        const restore = await runCli(['restore', file], envFor(target));
        expect(restore.code).toBe(1);
        expect(restore.stderr).toMatch(/not a kinfinder backup, or a damaged one/);
        expect(fs.existsSync(path.join(target, 'db'))).toBe(false);
        expect(fs.readdirSync(target).filter((n) => n.startsWith('db'))).toEqual([]);
        const notOurs = path.join(work, 'not-a-backup.tar');
        fs.writeFileSync(notOurs, randomBytes(4096));
        expect((await runCli(['restore', notOurs], envFor(target))).code).toBe(1);
        expect((await runCli(['backup', good], envFor(source))).stderr).toMatch(/exists already/);
      } finally {
        fs.rmSync(target, { recursive: true, force: true });
      }
    });

    it('while kinfinder serve holds the database, the backup is made through it', { timeout: 300_000 }, async () => {
      const admin = randomBytes(24).toString('hex');
      const port = await freePort();
      const serve = startCli(['serve', '--port', String(port)], envFor(source, { KINFINDER_ADMIN_TOKEN: admin }));
      try {
        await waitForHttp(`http://127.0.0.1:${port}/healthz`, 120_000);
        // on this machine, through the server's local channel: no token needed
        const file = path.join(work, 'live.tar');
        const backup = await runCli(['backup', file], envFor(source), { timeoutMs: 120_000 });
        expect(backup.code, backup.stderr).toBe(0);
        expect(backup.stdout).toMatch(/^backup written: schema \d+, \d+ stored files/);
        // over HTTP, from anywhere: an admin's token
        const url = `http://127.0.0.1:${port}`;
        const refused = await runCli(['backup', path.join(work, 'no-token.tar'), '--server', url], envFor(source));
        expect(refused.code).toBe(1);
        expect(refused.stderr).toMatch(/asks that server over HTTP: set KINFINDER_ADMIN_TOKEN/);
        const http = path.join(work, 'http.tar');
        const viaHttp = await runCli(
          ['backup', http, '--server', url],
          envFor(source, { KINFINDER_ADMIN_TOKEN: admin }),
          { timeoutMs: 120_000 },
        );
        expect(viaHttp.code, viaHttp.stderr).toBe(0);
        expect(viaHttp.stdout).toMatch(/backup written by the server at http:\/\/127\.0\.0\.1:\d+/);
        // a verifier token may not take the whole archive
        const forbidden = await fetch(`http://127.0.0.1:${port}/api/v1/backup`);
        expect(forbidden.status).toBe(401);
        serve.kill('SIGTERM');
        expect(await waitForExit(serve)).toBe(0);

        const target = tmp('kf-backup-live-');
        try {
          const restore = await runCli(['restore', file], envFor(target), { timeoutMs: 120_000 });
          expect(restore.code, restore.stderr).toBe(0);
          const after = await runCli(['search', probe, '--json'], envFor(target), { timeoutMs: 120_000 });
          expect(ranked(JSON.parse(after.stdout) as SearchJson)).toEqual(ranked(before));
        } finally {
          fs.rmSync(target, { recursive: true, force: true });
        }
      } finally {
        if (serve.exitCode === null) serve.kill('SIGKILL');
      }
    });
  });
else {
  describe('kinfinder backup on PostgreSQL', () => {
    let dep: Deployment;
    beforeAll(() => {
      dep = createDeployment();
    });
    afterAll(async () => {
      await dep.destroy();
    });
    it('points at pg_dump and writes nothing', async () => {
      const file = path.join(dep.dataDir, 'x.tar');
      const r = await runCli(['backup', file], dep.env());
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(/uses PostgreSQL: back it up with pg_dump/);
      expect(fs.existsSync(file)).toBe(false);
      expect((await runCli(['restore', file], dep.env())).stderr).toMatch(/pg_restore/);
    });
  });
}
