import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStore, served } from '../../bin/store.ts';
import { announceServer } from '../../bin/server-address.ts';
import { loadConfig } from '../../src/config.ts';
import { connectChannel, type ChannelAddress } from '../../src/store/channel-client.ts';
import { serveChannel, type Channel } from '../../src/store/channel-server.ts';
import type { Database } from '../../src/store/database.ts';
import { childEnv, CLI } from '../support/cli.ts';
import { openTestDb, testDbKind, type TestDb } from '../support/db.ts';

// The local channel over the test's database (either kind: it only relays what a Database
// does). The CLI beside a real `kinfinder serve` is in cli-serve.test.ts.
let t: TestDb;
let channel: Channel;
let address: ChannelAddress;
const clients: Database[] = [];
const connect = async () => {
  const db = await connectChannel(address);
  clients.push(db);
  return db;
};

beforeAll(async () => {
  t = await openTestDb();
  channel = await serveChannel(t.db, { txIdleMs: 300 });
  address = { port: channel.port, secret: channel.secret, pid: process.pid };
  await t.db.exec('CREATE TABLE chan_rows (k text PRIMARY KEY, n integer)');
});
afterAll(async () => {
  for (const c of clients) await c.close();
  await channel.close();
  await t.close();
});

const count = async (k: string) =>
  (await t.db.query<{ n: number }>('SELECT count(*)::integer AS n FROM chan_rows WHERE k = $1', [k])).rows[0]!.n;

describe('the local channel', () => {
  it('answers exactly what the database answers directly: dates, bytes, big integers, JSON', async () => {
    const c = await connect();
    const sql = `SELECT $1::bytea AS b, timestamptz '2026-01-02T03:04:05Z' AS at, (2^40)::int8 AS big,
                        $2::jsonb AS j, ARRAY[1.5, 2]::real[] AS arr, NULL::text AS nothing`;
    const params = [Buffer.from([0, 1, 255]), JSON.stringify({ a: [1, 'я'] })];
    const via = await c.query(sql, params);
    expect(via).toEqual(await t.db.query(sql, params));
    expect(via.rows[0]!.at).toBeInstanceOf(Date);
    expect(c.kind).toBe(t.db.kind);
    // An answer of many socket chunks (a backup snapshot is hundreds of MB) arrives whole.
    const big = await c.query<{ s: string }>(`SELECT repeat('ab', 2000000) AS s`);
    expect(big.rows[0]!.s).toHaveLength(4_000_000);
  });

  it('commits a transaction, rolls back one that throws, and passes SQLSTATE codes through', async () => {
    const c = await connect();
    await c.transaction(async (tx) => {
      await tx.query('INSERT INTO chan_rows (k, n) VALUES ($1, 1)', ['kept']);
    });
    expect(await count('kept')).toBe(1);
    const mine = new Error('the caller changed its mind');
    await expect(
      c.transaction(async (tx) => {
        await tx.query('INSERT INTO chan_rows (k, n) VALUES ($1, 1)', ['dropped']);
        throw mine;
      }),
    ).rejects.toBe(mine);
    expect(await count('dropped')).toBe(0);
    // A unique violation is told by its code, as callers test it.
    await expect(c.query('INSERT INTO chan_rows (k, n) VALUES ($1, 2)', ['kept'])).rejects.toMatchObject({
      code: '23505',
    });
    // A multi-statement script (migrations, pg-boss) answers with its last statement's result.
    expect((await c.exec('SELECT 1 AS x; SELECT 2 AS x')).rows).toEqual([{ x: 2 }]);
  });

  it('rolls back the transaction of a client that goes away, and of one that holds it idle', async () => {
    const gone = await connectChannel(address);
    let inside!: () => void;
    const reached = new Promise<void>((r) => (inside = r));
    const never = gone.transaction(async (tx) => {
      await tx.query('INSERT INTO chan_rows (k, n) VALUES ($1, 1)', ['left']);
      inside();
      await new Promise(() => undefined);
    });
    never.catch(() => undefined);
    await reached;
    await gone.close();
    expect(await count('left')).toBe(0);

    // Idle past the limit (300 ms here): rolled back, the connection closed, the server free.
    const slow = await connect();
    const idle = slow.transaction(async (tx) => {
      await tx.query('INSERT INTO chan_rows (k, n) VALUES ($1, 1)', ['idle']);
      await new Promise((r) => setTimeout(r, 800));
      await tx.query('SELECT 1');
    });
    await expect(idle).rejects.toMatchObject({ code: 'store_locked' });
    expect(await count('idle')).toBe(0);
    const after = await connect();
    expect((await after.query('SELECT 1 AS one')).rows).toEqual([{ one: 1 }]);
  });

  it('holds an advisory lock for one client at a time', async () => {
    const [a, b] = [await connect(), await connect()];
    const order: string[] = [];
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    const first = a.exclusively(4242, async () => {
      order.push('a in');
      await held;
      order.push('a out');
    });
    await new Promise((r) => setTimeout(r, 50));
    const second = b.exclusively(4242, async () => void order.push('b in'));
    await new Promise((r) => setTimeout(r, 100));
    expect(order).toEqual(['a in']);
    release();
    await Promise.all([first, second]);
    expect(order).toEqual(['a in', 'a out', 'b in']);
  });

  it('refuses a wrong secret, and closes on a first frame too long to be one, before decoding anything', async () => {
    await expect(connectChannel({ ...address, secret: 'ab'.repeat(32) })).rejects.toMatchObject({
      code: 'unauthorized',
    });
    await expect(connectChannel({ ...address, secret: channel.secret.slice(0, 32) })).rejects.toMatchObject({
      code: 'unauthorized',
    });
    const closed = await new Promise<string>((resolve) => {
      const s = net.connect({ host: '127.0.0.1', port: channel.port }, () => {
        const head = Buffer.alloc(4);
        head.writeUInt32BE(1_000_000);
        s.write(Buffer.concat([head, Buffer.alloc(1024)]));
      });
      let got = '';
      s.on('data', (d) => (got += d.toString('hex')));
      s.on('close', () => resolve(got));
      s.on('error', () => undefined);
    });
    expect(closed).toBe('');
  });
});

describe('which database a command opens', () => {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'kf-channel-'));
  afterAll(() => fs.rmSync(dataDir, { recursive: true, force: true }));

  it(
    testDbKind() === 'pglite'
      ? 'on the embedded database held by a server: the server, through its channel'
      : 'on PostgreSQL: the database itself, even beside a serving process',
    async () => {
      const unannounce = announceServer(dataDir, '127.0.0.1', 1, { ...channel, schema: t.schema });
      try {
        const file = path.join(dataDir, 'serve.json');
        expect(fs.statSync(file).mode & 0o777).toBe(0o600);
        expect(fs.statSync(file).uid).toBe(process.getuid!());
        if (process.getuid!() === 0) {
          // Another user of the machine, even in a directory open to everyone, cannot read the secret.
          fs.chmodSync(dataDir, 0o755);
          const other = spawnSync(process.execPath, ['-e', `require('fs').readFileSync(${JSON.stringify(file)})`], {
            uid: 65534,
            gid: 65534,
            encoding: 'utf8',
          });
          expect(other.status).not.toBe(0);
          expect(other.stderr).toMatch(/EACCES/);
          // and a command run as that user says whose the database is, rather than trying to open it
          const cli = spawnSync(process.execPath, [CLI, 'token', 'list'], {
            uid: 65534,
            gid: 65534,
            encoding: 'utf8',
            env: childEnv({ KINFINDER_DATA_DIR: dataDir, HOME: os.tmpdir() }),
          });
          expect([cli.status, cli.stderr]).toEqual([
            1,
            `kinfinder token: kinfinder serve runs on ${dataDir} as another user: run this command as that user (only it may use the database) (forbidden)\n`,
          ]);
        }
        const env = {
          KINFINDER_DATA_DIR: dataDir,
          KINFINDER_DB_SCHEMA: t.schema,
          ...(testDbKind() === 'postgres' ? { DATABASE_URL: process.env.DATABASE_URL } : {}),
        };
        const db = await openStore(loadConfig(env));
        try {
          expect(served(db)).toBe(testDbKind() === 'pglite');
          expect(db.kind).toBe(testDbKind());
          await db.query('INSERT INTO chan_rows (k, n) VALUES ($1, 3)', ['opened']);
          expect(await count('opened')).toBe(1);
        } finally {
          await db.close();
        }
        if (testDbKind() === 'pglite')
          // Another schema than the server's would silently be the server's: refused.
          await expect(openStore(loadConfig({ ...env, KINFINDER_DB_SCHEMA: 'elsewhere' }))).rejects.toMatchObject({
            code: 'invalid_config',
          });
      } finally {
        unannounce();
      }
      expect(fs.existsSync(path.join(dataDir, 'serve.json'))).toBe(false);
    },
  );
});
