import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FsBlobStore } from '../../src/store/blobs.ts';
import { runCli } from '../support/cli.ts';
import { createDeployment, type Deployment } from '../support/deployment.ts';
import { startTestS3, type TestS3 } from '../support/s3.ts';

/** `kinfinder gc` from the command line; what it collects is tested on both stores in blob-store.test.ts. */
let dep: Deployment;
let s3: TestS3;
beforeAll(async () => {
  dep = createDeployment();
  s3 = await startTestS3();
});
afterAll(async () => {
  await dep.destroy();
  await s3.destroy();
});

describe('kinfinder gc', () => {
  it(
    'reports on a dry run, then deletes old unreferenced blobs only, and audits both runs',
    { timeout: 120_000 },
    async () => {
      const migrated = await runCli(['migrate'], dep.env());
      expect(migrated.code, migrated.stderr).toBe(0);
      const blobs = new FsBlobStore(path.join(dep.dataDir, 'blobs'));
      const used = await blobs.put(Buffer.from('a gallery photo'));
      const orphan = await blobs.put(Buffer.from('left by a crashed upload'));
      const fresh = await blobs.put(Buffer.from('written a moment ago, row not committed yet'));
      // Two hours old: past the default grace period of an hour.
      const old = new Date(Date.now() - 2 * 3600_000);
      for (const k of [used, orphan]) fs.utimesSync(path.join(blobs.root, k.slice(0, 2), k.slice(2, 4), k), old, old);
      const db = await dep.open();
      try {
        await db.query(`INSERT INTO photos (sha256, byte_size) VALUES ($1, 15)`, [used]);
      } finally {
        await db.close();
      }

      const dry = await runCli(['gc', '--dry-run', '--json'], dep.env());
      expect(dry.code, dry.stderr).toBe(0);
      expect(JSON.parse(dry.stdout)).toMatchObject({
        dryRun: true,
        scanned: 3,
        referenced: 1,
        recent: 1,
        unreferenced: 1,
        deleted: 0,
        graceSeconds: 3600,
      });
      expect(await blobs.has(orphan)).toBe(true);

      const real = await runCli(['gc'], dep.env());
      expect(real.code, real.stderr).toBe(0);
      expect(real.stdout).toMatch(
        /3 blobs: 1 in use, 1 unreferenced but newer than 60 min \(kept\); deleted 1 unreferenced/,
      );
      expect(await blobs.has(orphan)).toBe(false);
      expect(await blobs.has(used)).toBe(true);
      expect(await blobs.has(fresh)).toBe(true);

      const again = await runCli(['gc', '--json'], dep.env());
      expect(JSON.parse(again.stdout)).toMatchObject({ scanned: 2, deleted: 0 });

      const check = await dep.open();
      try {
        const audit = await check.query<{ action: string; actor_role: string; details: Record<string, number> }>(
          `SELECT action, actor_role, details FROM audit_events ORDER BY id`,
        );
        expect(audit.rows.map((r) => r.action)).toEqual(['blobs.gc.dry_run', 'blobs.gc', 'blobs.gc']);
        expect(audit.rows[1]).toMatchObject({ actor_role: 'cli', details: { deleted: 1, scanned: 3 } });
      } finally {
        await check.close();
      }
    },
  );

  it('refuses a grace period shorter than a job may run, and a wrong command line', async () => {
    const short = await runCli(['gc', '--grace-minutes', '2'], dep.env());
    expect(short.code).toBe(2);
    expect(short.stderr).toMatch(/--grace-minutes must be a whole number ≥ 10/);
    const longJobs = await runCli(['gc', '--grace-minutes', '30'], dep.env({ KINFINDER_JOB_TIMEOUT_SECONDS: '3600' }));
    expect(longJobs.code).toBe(2);
    expect(longJobs.stderr).toMatch(/≥ 60/);
    expect((await runCli(['gc', '--force'], dep.env())).code).toBe(2);
  });

  it('stops with a clear message when the bucket does not exist or the keys are wrong', async () => {
    const missing = await runCli(
      ['gc', '--dry-run'],
      dep.env({ ...s3.env(), KINFINDER_BLOBS: 's3://no-such-bucket/x' }),
    );
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain(
      `photo store s3://no-such-bucket/x at ${s3.endpoint}: bucket 'no-such-bucket' does not exist (invalid_config)`,
    );
    const wrong = await runCli(
      ['gc', '--dry-run'],
      dep.env({ ...s3.env(), AWS_ACCESS_KEY_ID: 'AKIAWRONG', AWS_SECRET_ACCESS_KEY: 'wrong-secret-4d5e6f' }),
    );
    expect(wrong.code).toBe(1);
    expect(wrong.stderr).toMatch(/access to bucket 'kinfinder-test' was refused/);
    expect(wrong.stderr).not.toContain('wrong-secret-4d5e6f');
    // and with the right ones it runs against the bucket
    const ok = await runCli(['gc', '--dry-run', '--json'], dep.env(s3.env('empty')));
    expect(ok.code, ok.stderr).toBe(0);
    expect(JSON.parse(ok.stdout)).toMatchObject({ scanned: 0 });
  });
});
