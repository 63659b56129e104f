import zlib from 'node:zlib';

// A minimal zip writer, so hostile archives (traversal names, lying sizes, bad CRCs, overlapping
// entries, false entry counts) can be built byte by byte. Real tools refuse to write most of them.

export type RawEntry = {
  name: string | Buffer;
  data?: Buffer;
  /** 0 stored, 8 deflate (data is compressed here). */
  method?: number;
  flags?: number;
  /** Override the declared uncompressed size (both headers). */
  declaredSize?: number;
  /** Override the CRC-32 (both headers). */
  crc?: number;
  /** Raw bytes to store instead of data (for encrypted entries). */
  payload?: Buffer;
};

export function makeZip(
  entries: RawEntry[],
  opts: { claimedCount?: number; shareFirstLocalHeader?: boolean } = {},
): Buffer {
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  let firstOffset = 0;
  entries.forEach((e, index) => {
    const name = typeof e.name === 'string' ? Buffer.from(e.name, 'utf8') : e.name;
    const data = e.data ?? Buffer.alloc(0);
    const method = e.method ?? 0;
    const payload = e.payload ?? (method === 8 ? zlib.deflateRawSync(data) : data);
    const crc = e.crc ?? zlib.crc32(data);
    const usize = e.declaredSize ?? data.length;
    const flags = e.flags ?? 0;
    const header = (sig: number, central: boolean, localOffset: number) => {
      const b = Buffer.alloc(central ? 46 : 30);
      let p = 0;
      b.writeUInt32LE(sig, p);
      p += 4;
      if (central) {
        b.writeUInt16LE(20, p);
        p += 2;
      }
      b.writeUInt16LE(20, p);
      p += 2;
      b.writeUInt16LE(flags, p);
      p += 2;
      b.writeUInt16LE(method, p);
      p += 2;
      b.writeUInt16LE(0, p);
      p += 2; // time
      b.writeUInt16LE(0x21, p);
      p += 2; // date 1980-01-01
      b.writeUInt32LE(crc >>> 0, p);
      p += 4;
      b.writeUInt32LE(payload.length, p);
      p += 4;
      b.writeUInt32LE(usize, p);
      p += 4;
      b.writeUInt16LE(name.length, p);
      p += 2;
      b.writeUInt16LE(0, p);
      p += 2; // extra
      if (central) {
        b.writeUInt16LE(0, p);
        p += 2; // comment
        b.writeUInt16LE(0, p);
        p += 2; // disk
        b.writeUInt16LE(0, p);
        p += 2; // internal attrs
        b.writeUInt32LE(0, p);
        p += 4; // external attrs
        b.writeUInt32LE(localOffset, p);
      }
      return Buffer.concat([b, name]);
    };
    const shared = opts.shareFirstLocalHeader && index > 0;
    if (!shared) {
      const local = Buffer.concat([header(0x04034b50, false, 0), payload]);
      if (index === 0) firstOffset = offset;
      centrals.push(header(0x02014b50, true, offset));
      locals.push(local);
      offset += local.length;
    } else {
      centrals.push(header(0x02014b50, true, firstOffset));
    }
  });
  const cd = Buffer.concat(centrals);
  const eocd = Buffer.alloc(22);
  const count = opts.claimedCount ?? entries.length;
  eocd.writeUInt32LE(0x06054b50, 0);
  eocd.writeUInt16LE(count, 8);
  eocd.writeUInt16LE(count, 10);
  eocd.writeUInt32LE(cd.length, 12);
  eocd.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, cd, eocd]);
}
