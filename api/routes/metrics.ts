import { createHash, timingSafeEqual } from 'node:crypto';
import { z } from '@hono/zod-openapi';
import { KinfinderError } from '../../src/errors.ts';
import { stateCounts } from '../../src/store/stats.ts';
import { CANDIDATE_STATUSES, CASE_STATUSES, PHOTO_STATUSES } from '../../src/vocabulary.ts';
import type { AppDeps } from '../deps.ts';
import { apiRouter, declareRoute } from '../openapi.ts';

// Metric names keep the API's words (searches); the lists are the one vocabulary's.
const STATES = {
  photos: PHOTO_STATUSES,
  searches: CASE_STATUSES,
  candidates: CANDIDATE_STATUSES,
} as const;

/** Prometheus text format: state gauges from the database, counters from this process. */
export function metricsRoutes(deps: AppDeps) {
  const app = apiRouter();
  const route = declareRoute(
    {
      method: 'get',
      path: '/metrics',
      tags: ['service'],
      summary: 'Prometheus metrics: photos, cases and candidates by status, faces, counters of this process',
      responses: { 200: { description: 'Prometheus text format 0.0.4', content: { 'text/plain': { schema: z.string() } } } },
    },
    { access: { tokenWhen: 'off loopback: the metrics token (KINFINDER_METRICS_TOKEN), not an access token; with no metrics token set, metrics are served on loopback only' } },
  );
  app.openapi(route, async (c) => {
    allowMetrics(deps.metrics ?? { open: true }, c.req.header('authorization'));
    const s = await stateCounts(deps.db);
    const lines: string[] = [];
    for (const [name, states] of Object.entries(STATES)) {
      const counts = s[name as keyof typeof STATES];
      lines.push(`# HELP kinfinder_${name} ${name} by status`, `# TYPE kinfinder_${name} gauge`);
      for (const st of states) lines.push(`kinfinder_${name}{status="${st}"} ${counts[st] ?? 0}`);
    }
    lines.push('# HELP kinfinder_faces faces stored in the gallery', '# TYPE kinfinder_faces gauge', `kinfinder_faces ${s.faces}`);
    const counters = deps.api?.counters.snapshot() ?? {};
    for (const [name, value] of Object.entries(counters).sort()) {
      lines.push(`# TYPE kinfinder_${name}_total counter`, `kinfinder_${name}_total ${value}`);
    }
    return c.text(`${lines.join('\n')}\n`, 200, { 'content-type': 'text/plain; version=0.0.4; charset=utf-8' });
  });
  return app;
}

const digest = (s: string) => createHash('sha256').update(s).digest();

/** /metrics shows how many cases are open: not for everyone once the service is reachable. */
function allowMetrics(rule: { token?: string | undefined; open: boolean }, header: string | undefined): void {
  if (rule.token) {
    const presented = /^Bearer\s+(\S+)\s*$/i.exec(header ?? '')?.[1] ?? '';
    if (!timingSafeEqual(digest(presented), digest(rule.token))) throw new KinfinderError('unauthorized', 'metrics need the metrics token (KINFINDER_METRICS_TOKEN)');
    return;
  }
  if (!rule.open) throw new KinfinderError('forbidden', 'metrics are served only on loopback unless KINFINDER_METRICS_TOKEN is set');
}
