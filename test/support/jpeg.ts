/** A JPEG whose SOF header claims `w`×`h` pixels (pixel data from a small real JPEG). */
export function jpegClaiming(src: Buffer, w: number, h: number): Buffer {
  const b = Buffer.from(src);
  for (let i = 2; i < b.length - 9;) {
    if (b[i] !== 0xff) {
      i++;
      continue;
    }
    const marker = b[i + 1]!;
    const len = b.readUInt16BE(i + 2);
    if (marker >= 0xc0 && marker <= 0xc3) {
      b.writeUInt16BE(h, i + 5);
      b.writeUInt16BE(w, i + 7);
      return b;
    }
    i += 2 + len;
  }
  throw new Error('no SOF marker');
}
