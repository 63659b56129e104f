import type { NormalisedImage } from '../image/types.ts';
import { NO_TASKS, type FaceTaskStats } from './task-line.ts';
import type { AnalyseOptions, FaceAnalyser, PhotoAnalysis } from './types.ts';

interface Waiting {
  client: string;
  /** The turn counter when the task arrived: a client not remembered waits from there (see `pick`). */
  arrived: number;
  askedAt: number;
  run: () => Promise<PhotoAnalysis>;
  resolve: (r: PhotoAnalysis) => void;
  reject: (e: unknown) => void;
}

/** Clients remembered for their last turn; beyond this the longest-idle are forgotten. */
const REMEMBERED_CLIENTS = 10_000;

/** An analyser that can say where its tasks stand (the face pool). */
export type CountingAnalyser = FaceAnalyser & { stats(): FaceTaskStats };

/**
 * Face-engine work shared fairly between clients (issue 16): each client (a family's address, a
 * token, the job workers) waits in its own line, and a free engine serves the waiting client
 * whose last turn is oldest. Without it the pool is first come, first served, and three large
 * photos sent at once by one client hold every engine while a family's search waits behind them.
 * At most `slots` tasks (the pool's size) are handed to the engines at once, so no backlog builds
 * up inside the pool where this order could not reach it.
 *
 * A client not served before (or forgotten) counts as served just before it arrived, not "never":
 * a stream of new addresses, each of which would otherwise come first, could keep a waiting
 * client's task from an engine for ever (issue 32). This way it is passed only by clients whose
 * last turn was older than its own when it arrived, each at most once.
 */
export function fairShare(inner: FaceAnalyser & { stats?(): FaceTaskStats }, slots: number): CountingAnalyser {
  const waiting: Waiting[] = [];
  const lastTurn = new Map<string, number>();
  let turn = 0;
  let running = 0;

  const pick = (): Waiting | undefined => {
    let best = -1;
    let bestTurn = Infinity;
    for (const [i, w] of waiting.entries()) {
      const t = lastTurn.get(w.client) ?? w.arrived - 0.5;
      if (t < bestTurn) {
        best = i;
        bestTurn = t;
      }
    }
    return best < 0 ? undefined : waiting.splice(best, 1)[0];
  };

  const pump = () => {
    while (running < slots) {
      const task = pick();
      if (!task) return;
      lastTurn.delete(task.client);
      lastTurn.set(task.client, ++turn);
      if (lastTurn.size > REMEMBERED_CLIENTS) lastTurn.delete(lastTurn.keys().next().value!);
      running++;
      // A runner that throws instead of rejecting must not keep its slot for ever.
      let work: Promise<PhotoAnalysis>;
      try {
        work = task.run();
      } catch (err) {
        work = Promise.reject(err);
      }
      work.then(task.resolve, task.reject).finally(() => {
        running--;
        pump();
      });
    }
  };

  const submit = (client: string, run: () => Promise<PhotoAnalysis>) =>
    new Promise<PhotoAnalysis>((resolve, reject) => {
      waiting.push({ client, arrived: turn, askedAt: performance.now(), run, resolve, reject });
      pump();
    });

  return {
    get backend() {
      return inner.backend;
    },
    get modelId() {
      return inner.modelId;
    },
    analyse: (bytes: Uint8Array, options?: AnalyseOptions) =>
      submit(options?.client ?? '', () => inner.analyse(bytes, options)),
    analyseImage: (img: NormalisedImage, options?: AnalyseOptions) =>
      submit(options?.client ?? '', () => inner.analyseImage(img, options)),
    close: () => inner.close(),
    /** The pool's figures with the tasks still in these lines counted as waiting. */
    stats: () => {
      const s = inner.stats?.() ?? NO_TASKS;
      const queuedSince =
        waiting.length === 0 ? null : Math.round(performance.now() - Math.min(...waiting.map((w) => w.askedAt)));
      return {
        ...s,
        waiting: s.waiting + waiting.length,
        oldestMs: queuedSince === null ? s.oldestMs : Math.max(queuedSince, s.oldestMs ?? 0),
      };
    },
  };
}
