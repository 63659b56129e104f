import { createHmac } from 'node:crypto';
import type { Queryable } from '../store/database.ts';
import { installationSecret } from '../store/secrets.ts';

/**
 * What the audit log keeps of an anonymous caller's address: a keyed hash (HMAC-SHA-256 with the
 * installation's secret, 64 bits shown), so that many cases from one address can be seen and
 * compared, while the address itself (personal data) is never stored.
 */
export async function clientTag(q: Queryable, address: string | undefined): Promise<string | undefined> {
  if (!address) return undefined;
  const key = await installationSecret(q, 'audit-client-key');
  return createHmac('sha256', Buffer.from(key, 'hex')).update(address).digest('hex').slice(0, 16);
}
