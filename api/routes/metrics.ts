import { createHash, timingSafeEqual } from 'node:crypto';
import { z } from '@hono/zod-openapi';
import { KinfinderError } from '../../src/errors.ts';
import { operatorCounts, stateCounts } from '../../src/store/stats.ts';
import { CANDIDATE_STATUSES, CASE_STATUSES, CATEGORIES, PHOTO_STATUSES } from '../../src/vocabulary.ts';
import type { AppDeps } from '../deps.ts';
import { apiRouter, declareRoute } from '../openapi.ts';

// Metric names keep the API's words (searches); the lists are the one vocabulary's.
const STATES = { photos: PHOTO_STATUSES, searches: CASE_STATUSES, candidates: CANDIDATE_STATUSES } as const;

/** Prometheus text format: state gauges from the database, counters from this process. */
export function metricsRoutes(deps: AppDeps) {
  const app = apiRouter();
  const route = declareRoute(
    {
      method: 'get',
      path: '/metrics',
      tags: ['service'],
      summary: 'Prometheus metrics: photos, cases and candidates by status, faces, counters of this process',
      responses: {
        200: { description: 'Prometheus text format 0.0.4', content: { 'text/plain': { schema: z.string() } } },
      },
    },
    {
      access: {
        tokenWhen:
          'off loopback: the metrics token (KINFINDER_METRICS_TOKEN), not an access token; with no metrics token set, metrics are served on loopback only',
      },
    },
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
    lines.push(
      '# HELP kinfinder_faces faces stored in the gallery',
      '# TYPE kinfinder_faces gauge',
      `kinfinder_faces ${s.faces}`,
    );
    // What operators watch (DESIGN §12): the queue, the rate, what is still to do.
    const modelId = deps.faceInfo?.()?.modelId ?? deps.api?.manifest.id ?? null;
    const o = await operatorCounts(deps.db, modelId);
    const gauge = (name: string, help: string, value: number) =>
      lines.push(`# HELP kinfinder_${name} ${help}`, `# TYPE kinfinder_${name} gauge`, `kinfinder_${name} ${value}`);
    gauge('open_cases', 'cases not closed (searching, under review, match confirmed)', o.openCases);
    gauge(
      'ingest_photos_per_second',
      'photos processed (done or failed) per second over the last 5 minutes',
      Number((o.photosLast5Min / 300).toFixed(4)),
    );
    gauge('batches_unfinished', 'batches with photos still queued or processing', o.batchesUnfinished);
    if (o.photosOnOlderModel !== null)
      gauge(
        'photos_older_model',
        'processed photos whose faces come from another model than the current one (kinfinder reembed)',
        o.photosOnOlderModel,
      );
    lines.push(
      '# HELP kinfinder_photos_category photos in the archive by category',
      '# TYPE kinfinder_photos_category gauge',
    );
    for (const cat of CATEGORIES)
      lines.push(`kinfinder_photos_category{category="${cat}"} ${o.photosByCategory[cat] ?? 0}`);
    const pending = deps.api ? await deps.api.queue.pending() : {};
    lines.push('# HELP kinfinder_queue_jobs jobs waiting or running, per queue', '# TYPE kinfinder_queue_jobs gauge');
    for (const [queue, n] of Object.entries(pending).sort()) lines.push(`kinfinder_queue_jobs{queue="${queue}"} ${n}`);
    const tasks = deps.faceTasks?.();
    if (tasks) {
      // Issue 32: a face-engine task that never settles holds a family's search or a photo job;
      // these show one before anybody waits on it.
      lines.push(
        '# HELP kinfinder_face_tasks face-engine tasks of this process, waiting for an engine or running on one',
        '# TYPE kinfinder_face_tasks gauge',
      );
      lines.push(
        `kinfinder_face_tasks{state="waiting"} ${tasks.waiting}`,
        `kinfinder_face_tasks{state="running"} ${tasks.running}`,
      );
      gauge(
        'face_task_oldest_seconds',
        'age of the oldest face-engine task not settled, its wait included (0: none)',
        seconds(tasks.oldestMs),
      );
      gauge(
        'face_task_oldest_running_seconds',
        'the longest a face-engine task now running has run (0: none)',
        seconds(tasks.oldestRunningMs),
      );
      lines.push(
        '# HELP kinfinder_face_tasks_settled_total face-engine tasks settled since start, by outcome',
        '# TYPE kinfinder_face_tasks_settled_total counter',
      );
      for (const [outcome, n] of [
        ['ok', tasks.ok],
        ['failed', tasks.failed],
        ['timed_out', tasks.timedOut],
      ] as const)
        lines.push(`kinfinder_face_tasks_settled_total{outcome="${outcome}"} ${n}`);
      lines.push(
        '# HELP kinfinder_face_threads_replaced_total face-engine threads that died or were stopped and replaced',
        '# TYPE kinfinder_face_threads_replaced_total counter',
        `kinfinder_face_threads_replaced_total ${tasks.threadsReplaced}`,
      );
    }
    const counters = deps.api?.counters.snapshot() ?? {};
    for (const [name, value] of Object.entries(counters).sort()) {
      lines.push(`# TYPE kinfinder_${name}_total counter`, `kinfinder_${name}_total ${value}`);
    }
    return c.text(`${lines.join('\n')}\n`, 200, { 'content-type': 'text/plain; version=0.0.4; charset=utf-8' });
  });
  return app;
}

const seconds = (ms: number | null) => (ms === null ? 0 : Math.round(ms) / 1000);

const digest = (s: string) => createHash('sha256').update(s).digest();

/** /metrics shows how many cases are open: not for everyone once the service is reachable. */
function allowMetrics(rule: { token?: string | undefined; open: boolean }, header: string | undefined): void {
  if (rule.token) {
    const presented = /^Bearer\s+(\S+)\s*$/i.exec(header ?? '')?.[1] ?? '';
    if (!timingSafeEqual(digest(presented), digest(rule.token)))
      throw new KinfinderError('unauthorized', 'metrics need the metrics token (KINFINDER_METRICS_TOKEN)');
    return;
  }
  if (!rule.open)
    throw new KinfinderError('forbidden', 'metrics are served only on loopback unless KINFINDER_METRICS_TOKEN is set');
}
