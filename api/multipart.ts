import type { Context } from 'hono';
import { KinfinderError } from '../src/errors.ts';
import { assertValidText } from '../src/text.ts';

export interface UploadedFile {
  name: string;
  bytes: Uint8Array;
}

export interface Multipart {
  files(field: string): Promise<UploadedFile[]>;
  text(field: string): string | undefined;
  texts(field: string): string[];
}

/** Parses a multipart/form-data body (its size was already capped by the body limit). */
export async function readMultipart(c: Context): Promise<Multipart> {
  const type = c.req.header('content-type') ?? '';
  if (!/^multipart\/form-data/i.test(type)) {
    throw new KinfinderError('invalid_input', 'send the photos as multipart/form-data');
  }
  let body: Record<string, string | File | (string | File)[]>;
  try {
    body = await c.req.parseBody({ all: true });
  } catch {
    throw new KinfinderError('invalid_input', 'the multipart body could not be read');
  }
  const values = (field: string): (string | File)[] => {
    const v = body[field];
    return v === undefined ? [] : Array.isArray(v) ? v : [v];
  };
  return {
    async files(field) {
      const out: UploadedFile[] = [];
      for (const v of values(field)) {
        if (typeof v === 'string') throw new KinfinderError('invalid_input', `the "${field}" field must be a file`);
        out.push({ name: v.name || 'upload', bytes: new Uint8Array(await v.arrayBuffer()) });
      }
      return out;
    },
    text(field) {
      const v = values(field)[0];
      if (v === undefined) return undefined;
      if (typeof v !== 'string') throw new KinfinderError('invalid_input', `the "${field}" field must be text`);
      assertValidText(v, field);
      return v;
    },
    texts(field) {
      return values(field).map((v) => {
        if (typeof v !== 'string') throw new KinfinderError('invalid_input', `the "${field}" field must be text`);
        assertValidText(v, field);
        return v;
      });
    },
  };
}

/** Free-form JSON beside photos (a case's `subject`, a photo's metadata): an object, 16 KB at most. */
export function parseJsonField(raw: string | undefined, field: string): Record<string, unknown> {
  if (raw === undefined || raw.trim() === '') return {};
  if (Buffer.byteLength(raw) > 16 * 1024)
    throw new KinfinderError('invalid_input', `the "${field}" field is longer than 16 KB`);
  let v: unknown;
  try {
    v = JSON.parse(raw) as unknown;
  } catch {
    // fall through to the error below
  }
  if (v && typeof v === 'object' && !Array.isArray(v)) {
    // JSON escapes (\u0000, \ud800) become the very characters refused in plain text fields.
    assertValidText(v, field);
    return v as Record<string, unknown>;
  }
  throw new KinfinderError('invalid_input', `the "${field}" field must be a JSON object`);
}
