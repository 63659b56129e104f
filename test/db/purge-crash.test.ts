// Issue 28, finding 3: `kinfinder purge` killed while the blob store hangs on DELETE. Before the
// fix the rows went first: 4 cases showed `purged_at`, 12 of 12 photos stayed in the bucket, and
// a second purge reported 0 while the audit said they were gone. Now a killed purge has erased
// nothing it reported, and the next run (even with a longer retention period) finishes the job.
import http from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureModel } from '../../src/store/photos.ts';
import { S3BlobStore } from '../../src/store/s3-blobs.ts';
import { runCli, startCli, waitForExit } from '../support/cli.ts';
import { createDeployment } from '../support/deployment.ts';
import { startTestS3, type TestS3 } from '../support/s3.ts';

const dep = createDeployment();
let s3: TestS3;
let proxy: http.Server;
let proxyEndpoint: string;
/** DELETE requests the fault injector has swallowed: they never reach S3 and are never answered. */
let deletesHeld = 0;
const keys: string[] = [];
const caseIds: string[] = [];

/**
 * A fault injector in front of the real S3 server: everything is passed through except DELETE,
 * which is held for ever, as a store that hangs would.
 */
function startHangingDeleteProxy(target: URL): Promise<http.Server> {
  const server = http.createServer((req, res) => {
    if (req.method === 'DELETE') {
      deletesHeld++;
      req.resume();
      return;
    }
    const upstream = http.request(
      { host: target.hostname, port: target.port, method: req.method, path: req.url, headers: req.headers },
      (r) => {
        res.writeHead(r.statusCode ?? 502, r.headers);
        r.pipe(res);
      },
    );
    upstream.on('error', () => res.destroy());
    req.pipe(upstream);
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

beforeAll(async () => {
  s3 = await startTestS3();
  proxy = await startHangingDeleteProxy(new URL(s3.endpoint));
  proxyEndpoint = `http://127.0.0.1:${(proxy.address() as { port: number }).port}`;
  // Through the CLI, as an installation is made: on PostgreSQL this creates the deployment's schema.
  const migrated = await runCli(['migrate'], dep.env());
  expect(migrated.code, migrated.stderr).toBe(0);
  const store = new S3BlobStore(s3.options());
  const db = await dep.open();
  try {
    await ensureModel(db, { id: 'test-model', dims: 128, manifest: {} });
    const vector = `[${Array.from({ length: 128 }, () => '0.08').join(',')}]`;
    // 4 cases closed 40 days ago, 3 reference photos each: the 12 files of the attack.
    for (let c = 0; c < 4; c++) {
      const s = await db.query<{ id: string }>(
        `INSERT INTO searches (status, subject, closed_at) VALUES ('closed', '{"surname":"Adamenko"}', now() - interval '40 days') RETURNING id`,
      );
      caseIds.push(s.rows[0]!.id);
      for (let p = 0; p < 3; p++) {
        const key = await store.put(Buffer.from(`reference photo ${p} of case ${c}`));
        keys.push(key);
        await db.query(
          `INSERT INTO reference_faces (search_id, model_id, photo_sha256, photo_index, face_index,
                                        box_x, box_y, box_width, box_height, score, landmarks, quality, embedding)
           VALUES ($1, 'test-model', $2, $3, 0, 0, 0, 10, 10, 0.9, '[]', '{}', $4)`,
          [s.rows[0]!.id, key, p, vector],
        );
      }
    }
  } finally {
    await db.close();
    store.close();
  }
}, 300_000);

afterAll(async () => {
  proxy?.closeAllConnections();
  await new Promise((r) => proxy?.close(r));
  await s3?.destroy();
  await dep.destroy();
});

async function filesLeft(): Promise<number> {
  const store = new S3BlobStore(s3.options());
  try {
    let n = 0;
    for (const k of keys) if (await store.has(k)) n++;
    return n;
  } finally {
    store.close();
  }
}

async function state() {
  const db = await dep.open();
  try {
    const cases = await db.query<{ marked: boolean; purged: boolean; refs: number }>(
      `SELECT purge_started_at IS NOT NULL AS marked, purged_at IS NOT NULL AS purged,
              (SELECT count(*) FROM reference_faces rf WHERE rf.search_id = s.id)::integer AS refs
       FROM searches s WHERE id = ANY($1::uuid[]) ORDER BY id`,
      [caseIds],
    );
    const audit = await db.query<{ action: string; details: Record<string, unknown> }>(
      `SELECT action, details FROM audit_events WHERE action LIKE 'search.purge%' OR action LIKE 'cases.purge%' ORDER BY id`,
    );
    return { cases: cases.rows, audit: audit.rows };
  } finally {
    await db.close();
  }
}

describe(`a purge killed while the store hangs on ${dep.kind}`, () => {
  it(
    'reports nothing erased that is not, and the next purge finishes the job truthfully',
    { timeout: 400_000 },
    async () => {
      const child = startCli(
        ['purge', '--days', '30', '--json'],
        dep.env({ ...s3.env(), KINFINDER_S3_ENDPOINT: proxyEndpoint }),
      );
      let stderr = '';
      child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
      const deadline = Date.now() + 120_000;
      while (deletesHeld === 0 && child.exitCode === null && Date.now() < deadline)
        await new Promise((r) => setTimeout(r, 100));
      expect(deletesHeld, stderr).toBe(1); // hung on the first file: one DELETE sent, none answered
      child.kill('SIGKILL');
      await waitForExit(child);

      const killed = await state();
      // Marked, not purged: every row still names its files, and every file is still there.
      expect(killed.cases).toEqual(caseIds.map(() => ({ marked: true, purged: false, refs: 3 })));
      expect(await filesLeft()).toBe(12);
      expect(killed.audit.map((a) => a.action)).toEqual(['cases.purge.started']);
      expect(killed.audit[0]!.details).toMatchObject({ cases: 4, blobs: 12 });

      // The store answers again; the second run is given a far longer period, which alone would
      // not reach these cases: the mark does.
      const again = await runCli(['purge', '--days', '3650', '--json'], dep.env(s3.env()));
      expect(again.code, again.stderr).toBe(0);
      const report = JSON.parse(again.stdout.trim()) as {
        totals: { cases: number; blobs: number; referenceFaces: number };
        cases: Array<{ resumed: boolean }>;
      };
      expect(report.totals).toMatchObject({ cases: 4, blobs: 12, referenceFaces: 12 });
      expect(report.cases.every((c) => c.resumed)).toBe(true);
      expect(await filesLeft()).toBe(0);
      const done = await state();
      expect(done.cases).toEqual(caseIds.map(() => ({ marked: true, purged: true, refs: 0 })));
      expect(done.audit.filter((a) => a.action === 'search.purge')).toHaveLength(4);
      expect(done.audit.at(-1)).toMatchObject({ action: 'cases.purge', details: { cases: 4, blobs: 12 } });

      const third = await runCli(['purge', '--days', '30', '--json'], dep.env(s3.env()));
      expect(third.code, third.stderr).toBe(0);
      expect((JSON.parse(third.stdout.trim()) as { totals: { cases: number } }).totals.cases).toBe(0);
    },
  );
});
