import { z } from '@hono/zod-openapi';
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
    { access: 'public' },
  );
  app.openapi(route, async (c) => {
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
