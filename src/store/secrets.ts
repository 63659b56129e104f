import { randomBytes } from 'node:crypto';
import type { Queryable } from './database.ts';

/**
 * The installation's secret of this name, made on first use (256 random bits). Two processes
 * making it at once both end with the one that was stored first.
 */
export async function installationSecret(q: Queryable, name: string): Promise<string> {
  await q.query(`INSERT INTO installation_secrets (name, value) VALUES ($1, $2) ON CONFLICT (name) DO NOTHING`, [
    name,
    randomBytes(32).toString('hex'),
  ]);
  const r = await q.query<{ value: string }>(`SELECT value FROM installation_secrets WHERE name = $1`, [name]);
  return r.rows[0]!.value;
}
