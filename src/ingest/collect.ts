/**
 * Turns the paths given to `kinfinder ingest` into a stream of InputItems: files, folders
 * (recursive) and zip archives. Nothing is filtered by type here: image sniffing downstream
 * rejects what is not a photo. Only junk every photo folder carries is dropped silently.
 *
 * Rules, in order of the paths given:
 *  - a path that does not exist → one `not_found` item;
 *  - a file named `*.zip` (any case) or starting with `PK\x03\x04` is an archive (see zip.ts);
 *  - any other file larger than `maxFileBytes` → `file_too_large`, decided from its size before
 *    reading (and the read itself is capped, in case the file grows meanwhile);
 *  - a folder is walked depth-first, entries sorted by the UTF-8 bytes of their names (what
 *    `LC_ALL=C ls` shows: the same on every machine and locale), a sub-folder's contents coming
 *    where its name sorts. Hidden names (starting with `.`) are skipped without a word; symlinks
 *    (`symlink_skipped`: a link could lead out of the folder, or loop) and anything that is not a
 *    regular file or folder (sockets, FIFOs, devices: `unsupported_format`) are reported and not
 *    read. Items are named by joining
 *    the folder as given with the path inside it (`photos/batch3/IMG_001.jpg`);
 *  - `.DS_Store`, `Thumbs.db` and `desktop.ini` are skipped everywhere, even when named directly.
 * A path named directly is followed even if it is a symlink or hidden: the user asked for it.
 */
import { open, readdir, stat, type FileHandle } from 'node:fs/promises';
import path from 'node:path';
import { errorItem, isJunkName, looksLikeZip, type CollectLimits, type InputItem } from './input.ts';
import { readZipEntries } from './zip.ts';

export type { CollectLimits, InputItem } from './input.ts';

export async function* collectInputs(paths: string[], limits: CollectLimits): AsyncGenerator<InputItem> {
  for (const given of paths) {
    if (isJunkName(path.basename(given))) continue;
    let info;
    try {
      info = await stat(given);
    } catch (err) {
      yield fsError(given, err);
      continue;
    }
    if (info.isDirectory()) yield* walkFolder(given, limits);
    else if (info.isFile()) yield* collectFile(given, limits);
    else yield errorItem(given, 'unsupported_format', 'not a regular file or folder');
  }
}

async function* walkFolder(dir: string, limits: CollectLimits): AsyncGenerator<InputItem> {
  let entries;
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch (err) {
    yield fsError(dir, err);
    return;
  }
  entries.sort((a, b) => Buffer.compare(Buffer.from(a.name), Buffer.from(b.name)));
  for (const entry of entries) {
    if (entry.name.startsWith('.') || isJunkName(entry.name)) continue;
    const child = path.join(dir, entry.name);
    if (entry.isDirectory()) yield* walkFolder(child, limits);
    else if (entry.isFile()) yield* collectFile(child, limits);
    // Reported, not silently dropped: an operator who meant them must learn they were left out.
    else if (entry.isSymbolicLink())
      yield errorItem(
        child,
        'symlink_skipped',
        'a link inside a folder is not followed (name its target to ingest it)',
      );
    else yield errorItem(child, 'unsupported_format', 'not a regular file or folder');
  }
}

async function* collectFile(file: string, limits: CollectLimits): AsyncGenerator<InputItem> {
  let outcome: { kind: 'zip' } | { kind: 'item'; item: InputItem };
  try {
    outcome = await readFileCapped(file, limits.maxFileBytes);
  } catch (err) {
    yield fsError(file, err);
    return;
  }
  if (outcome.kind === 'zip') yield* readZipEntries(file, file, limits);
  else yield outcome.item;
}

/** Decides zip-or-not from the name and the first 4 bytes; reads a non-zip only when within the cap. */
async function readFileCapped(
  file: string,
  maxBytes: number,
): Promise<{ kind: 'zip' } | { kind: 'item'; item: InputItem }> {
  let fh: FileHandle | undefined;
  try {
    fh = await open(file, 'r');
    const info = await fh.stat();
    if (!info.isFile()) return { kind: 'item', item: errorItem(file, 'unsupported_format', 'not a regular file') };
    if (/\.zip$/i.test(file)) return { kind: 'zip' };
    const head = Buffer.alloc(4);
    const { bytesRead } = await fh.read(head, 0, 4, 0);
    if (looksLikeZip(head.subarray(0, bytesRead))) return { kind: 'zip' };
    if (info.size > maxBytes) return { kind: 'item', item: tooLarge(file, maxBytes) };

    // At most maxBytes + 1 bytes are read: one more than allowed proves the file grew too big.
    const chunks: Buffer[] = [];
    let total = 0;
    for await (const chunk of fh.createReadStream({
      start: 0,
      end: maxBytes,
      autoClose: false,
    }) as AsyncIterable<Buffer>) {
      chunks.push(chunk);
      total += chunk.length;
    }
    if (total > maxBytes) return { kind: 'item', item: tooLarge(file, maxBytes) };
    return { kind: 'item', item: { name: file, bytes: Buffer.concat(chunks, total) } };
  } finally {
    await fh?.close();
  }
}

function tooLarge(name: string, maxBytes: number): InputItem {
  return errorItem(name, 'file_too_large', `file is larger than the limit of ${maxBytes} bytes`);
}

function fsError(name: string, err: unknown): InputItem {
  const code = (err as NodeJS.ErrnoException | null)?.code;
  if (code === 'ENOENT' || code === 'ENOTDIR') return errorItem(name, 'not_found', 'no such file or folder');
  if (code === 'EACCES' || code === 'EPERM') return errorItem(name, 'invalid_input', 'permission denied');
  if (code === 'ELOOP') return errorItem(name, 'invalid_input', 'too many levels of symbolic links');
  return errorItem(name, 'invalid_input', 'cannot be read');
}
