import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';
import { KinfinderError } from '../errors.ts';
import type { Queryable } from '../store/database.ts';
import { installationSecret } from '../store/secrets.ts';

/**
 * A family's notice address (a Telegram chat, an e-mail address) is kept only as AES-256-GCM
 * ciphertext under a key derived (HKDF-SHA256) from the installation's own secret, for this use
 * alone: staff reading the table, a log line or the audit never see an address. The case id is
 * the associated data, so a sealed address copied to another case does not open. (The secret
 * lives in the same database: this keeps addresses out of sight, not from whoever holds the
 * whole database or a backup of it.)
 */
const VERSION = 'v1';
const INFO = Buffer.from('kinfinder notify address v1');

async function keyOf(q: Queryable): Promise<Buffer> {
  const secret = Buffer.from(await installationSecret(q, 'notify-address'), 'hex');
  return Buffer.from(hkdfSync('sha256', secret, Buffer.alloc(0), INFO, 32));
}

export async function sealAddress(q: Queryable, caseId: string, address: string): Promise<string> {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', await keyOf(q), iv);
  cipher.setAAD(Buffer.from(caseId));
  const body = Buffer.concat([cipher.update(address, 'utf8'), cipher.final()]);
  return [VERSION, iv.toString('base64'), cipher.getAuthTag().toString('base64'), body.toString('base64')].join(':');
}

export async function openAddress(q: Queryable, caseId: string, sealed: string): Promise<string> {
  const [version, iv, tag, body] = sealed.split(':');
  if (version !== VERSION || !iv || !tag || body === undefined)
    throw new KinfinderError('internal', 'a notice address is sealed in an unknown form');
  try {
    const decipher = createDecipheriv('aes-256-gcm', await keyOf(q), Buffer.from(iv, 'base64'));
    decipher.setAAD(Buffer.from(caseId));
    decipher.setAuthTag(Buffer.from(tag, 'base64'));
    return Buffer.concat([decipher.update(Buffer.from(body, 'base64')), decipher.final()]).toString('utf8');
  } catch {
    throw new KinfinderError('internal', "a notice address could not be opened with this installation's key");
  }
}
