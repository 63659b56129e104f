import { z } from 'zod';
import { decisionBody } from './routes/review.ts';
import { tokenBody } from './routes/admin.ts';

interface Operation {
  method: 'get' | 'post' | 'delete';
  path: string;
  summary: string;
  roles: string[];
  body?: z.ZodType;
  multipart?: Record<string, string>;
  responses: Record<string, string>;
}

// The request schemas are the ones the routes validate with, so the document cannot drift
// from what the server accepts.
const OPERATIONS: Operation[] = [
  { method: 'post', path: '/photos', summary: 'Upload gallery photos (queued for processing)', roles: ['operator'], multipart: { file: 'photo file, repeat for several', source: 'source name', metadata: 'JSON object' }, responses: { 202: 'photos accepted: {photos:[{id, originalName, sha256, status, duplicateOf?}]}', 413: 'too large' } },
  { method: 'get', path: '/photos/{id}', summary: 'A photo with its faces', roles: ['operator', 'verifier'], responses: { 200: '{id, originalName, status, error?, faces:[{id, box, score, quality}]}', 404: 'unknown photo' } },
  { method: 'get', path: '/photos/{id}/image', summary: 'Display JPEG of a photo (metadata stripped)', roles: ['operator', 'verifier', 'family (confirmed match only)'], responses: { 200: 'image/jpeg' } },
  { method: 'get', path: '/faces/{id}/crop', summary: 'JPEG crop of a gallery face', roles: ['operator', 'verifier', 'family (confirmed match only)'], responses: { 200: 'image/jpeg' } },
  { method: 'get', path: '/reference-faces/{id}/crop', summary: "JPEG crop of a case's reference face", roles: ['verifier', 'family (own case)'], responses: { 200: 'image/jpeg' } },
  { method: 'get', path: '/reference-faces/{id}/photo', summary: "The whole reference photo of a case's reference face (upright, at most 2048 px, no metadata)", roles: ['verifier', 'family (own case)'], responses: { 200: 'image/jpeg' } },
  { method: 'post', path: '/searches', summary: 'Open a case from 1–5 photos of one person', roles: ['anyone (rate-limited when anonymous)'], multipart: { photo: 'photo file, 1 to 5', faceIndex: 'which face per photo when it shows several', subject: 'JSON object, ≤ 16 KB: what the family knows (the web form sends name, born, details); shown to verifiers with each candidate' }, responses: { 201: '{search:{id,status}, accessToken?, referenceFaces, candidates?}', 422: 'no_face, or choose_face with faces:[{index, box}]', 429: 'rate limited (Retry-After)' } },
  { method: 'get', path: '/searches/{id}', summary: 'A case: everything for a verifier, status and confirmed matches for its family', roles: ['verifier', 'family (own case)'], responses: { 200: 'case' } },
  { method: 'delete', path: '/searches/{id}', summary: "Delete a case's family data and close it", roles: ['family (own case)', 'admin'], responses: { 204: 'deleted' } },
  { method: 'get', path: '/review', summary: 'Pending candidates, best first', roles: ['verifier'], responses: { 200: '{items:[candidate with subject], next?}' } },
  { method: 'post', path: '/candidates/{id}/decisions', summary: 'Confirm or reject a candidate', roles: ['verifier'], body: decisionBody, responses: { 201: '{candidate}', 409: 'already decided, or already decided by you' } },
  { method: 'post', path: '/tokens', summary: 'Create an access token (shown once)', roles: ['admin'], body: tokenBody, responses: { 201: '{id, token, role, name}' } },
  { method: 'delete', path: '/tokens/{id}', summary: 'Revoke an access token', roles: ['admin'], responses: { 204: 'revoked' } },
  { method: 'get', path: '/audit', summary: 'Audit events, newest first', roles: ['admin'], responses: { 200: '{events, next?}' } },
];

const errorSchema = {
  type: 'object',
  properties: { error: { type: 'object', properties: { code: { type: 'string' }, message: { type: 'string' } }, required: ['code', 'message'] } },
  required: ['error'],
};

export function openApiDocument() {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const op of OPERATIONS) {
    const pathItem = (paths[`/api/v1${op.path}`] ??= {});
    const params = [...op.path.matchAll(/\{(\w+)\}/g)].map((m) => ({ name: m[1], in: 'path', required: true, schema: { type: 'string', format: 'uuid' } }));
    pathItem[op.method] = {
      summary: op.summary,
      description: `Allowed: ${op.roles.join(', ')}.`,
      ...(params.length ? { parameters: params } : {}),
      ...(op.body ? { requestBody: { required: true, content: { 'application/json': { schema: z.toJSONSchema(op.body) } } } } : {}),
      ...(op.multipart
        ? {
            requestBody: {
              required: true,
              content: {
                'multipart/form-data': {
                  schema: { type: 'object', properties: Object.fromEntries(Object.entries(op.multipart).map(([k, d]) => [k, { type: 'string', description: d }])) },
                },
              },
            },
          }
        : {}),
      responses: {
        ...Object.fromEntries(Object.entries(op.responses).map(([code, d]) => [code, { description: d }])),
        default: { description: 'error', content: { 'application/json': { schema: errorSchema } } },
      },
    };
  }
  return {
    openapi: '3.1.0',
    info: { title: 'kinfinder', version: '1', description: 'Face matching with human verification for families of missing soldiers.' },
    components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } },
    security: [{ bearer: [] }, {}],
    paths,
  };
}
