import fs from 'node:fs';
import { createHash } from 'node:crypto';
import sharp from 'sharp';
import { lfwPhotos } from './fixtures.ts';

/**
 * `count` distinct JPEGs that each show one clear face, made from the committed LFW photos: a
 * batch of hundreds of photos without hundreds of fixtures. Each is an LFW photo cropped by a few
 * pixels at an offset of its own, mirrored on every second pass over the fixtures, its brightness
 * and saturation shifted slightly and re-encoded, so no two share bytes (the pipeline
 * de-duplicates by content hash) and none is byte-equal to a fixture another test may upload.
 * A clear face matters for cost: a photo without one pays every pass of the face-rescue cascade
 * (about three times the time of a photo the upright pass settles). Deterministic: the same
 * sharp build gives the same bytes on every run.
 */
export async function faceVariants(count: number): Promise<Buffer[]> {
  const bases = lfwPhotos();
  const out: Buffer[] = [];
  const seen = new Set<string>();
  for (let i = 0; i < count; i++) {
    const pass = Math.floor(i / bases.length);
    const meta = await sharp(bases[i % bases.length]!).metadata();
    const trim = 4 + (pass % 3) * 2;
    // Offsets stay within the trimmed margin, so the face (centred in LFW) is never cut.
    const left = (i * 7) % (trim + 1);
    const top = (i * 5) % (trim + 1);
    let img = sharp(bases[i % bases.length]!).extract({
      left,
      top,
      width: meta.width! - trim,
      height: meta.height! - trim,
    });
    if (pass % 2 === 1) img = img.flop();
    const data = await img
      .modulate({ brightness: 0.95 + 0.025 * (i % 5), saturation: 0.9 + 0.05 * (pass % 4) })
      .jpeg({ quality: 86 + (pass % 5) })
      .toBuffer();
    const hash = createHash('sha256').update(data).digest('hex');
    // A clash would turn a photo into a duplicate and skew every count a test expects.
    if (seen.has(hash)) throw new Error(`faceVariants: photo ${i} repeats an earlier one's bytes`);
    seen.add(hash);
    out.push(data);
  }
  return out;
}

/**
 * `count` distinct JPEG files whose pixels are the committed LFW photos' own: each is a fixture
 * with a JPEG comment segment (COM, which decoders skip) of its own right after the start-of-image
 * marker. The bytes differ, so the pipeline takes each as a new photo (it de-duplicates by the
 * bytes' hash) and does every step for it — decode, faces, crops, rows, the standing search —
 * while the face engine's answer is the fixture's, which the recorded engine
 * (recorded-faces.ts, keyed by the decoded pixels) has once per run. For the tests of a batch's
 * handling (the operator page's 300 photos), whose subject is not the engine: `faceVariants`
 * makes each face new, which costs the engine a second of one core a photo.
 */
export function faceCopies(count: number, opts: { distinct?: number } = {}): Buffer[] {
  // Few distinct faces keep the engine's first-run cost small: the engine answers each once.
  const bases = lfwPhotos()
    .slice(0, opts.distinct ?? Infinity)
    .map((f) => fs.readFileSync(f));
  return Array.from({ length: count }, (_, i) => {
    const base = bases[i % bases.length]!;
    if (base[0] !== 0xff || base[1] !== 0xd8) throw new Error(`faceCopies: fixture ${i % bases.length} is not a JPEG`);
    const text = Buffer.from(`kinfinder test copy ${i}`, 'ascii');
    const segment = Buffer.alloc(4 + text.length);
    segment.writeUInt16BE(0xfffe, 0);
    // The length counts itself (2 bytes) and the text, not the marker.
    segment.writeUInt16BE(2 + text.length, 2);
    text.copy(segment, 4);
    return Buffer.concat([base.subarray(0, 2), segment, base.subarray(2)]);
  });
}
