import { randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { InputItem, ZipMeter } from './input.ts';
import { readZipEntries } from './zip.ts';

/**
 * The photos of an uploaded zip archive, with every check `kinfinder ingest` makes on one
 * (zip.ts). The archive is kept in a private temporary file while it is read (the zip reader
 * needs random access) and removed afterwards, whatever happens.
 */
export async function* uploadedZipEntries(
  file: { name: string; bytes: Uint8Array },
  maxFileBytes: number,
  meter?: ZipMeter,
): AsyncGenerator<InputItem> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'kinfinder-upload-'));
  const tmp = path.join(dir, `${randomBytes(8).toString('hex')}.zip`);
  try {
    await fs.writeFile(tmp, file.bytes, { mode: 0o600 });
    yield* readZipEntries(
      tmp,
      file.name,
      { maxFileBytes, maxZipEntries: 100_000, maxZipTotalBytes: 50 * 1024 ** 3 },
      meter,
    );
  } finally {
    await fs.rm(dir, { recursive: true, force: true });
  }
}
