import type { NormalisedImage } from '../image/types.ts';
import type { AnalyseOptions, FaceAnalyser, PhotoAnalysis } from './types.ts';

interface Waiting {
  client: string;
  run: () => Promise<PhotoAnalysis>;
  resolve: (r: PhotoAnalysis) => void;
  reject: (e: unknown) => void;
}

/** Clients remembered for their last turn; beyond this the longest-idle are forgotten. */
const REMEMBERED_CLIENTS = 10_000;

/**
 * Face-engine work shared fairly between clients (issue 16): each client (a family's address, a
 * token, the job workers) waits in its own line, and a free engine serves the waiting client
 * whose last turn is oldest (never served comes first). Without it the pool is first come,
 * first served, and three large photos sent at once by one client hold every engine while a
 * family's search waits behind them. At most `slots` tasks (the pool's size) are handed to the
 * engines at once, so no backlog builds up inside the pool where this order could not reach it.
 */
export function fairShare(inner: FaceAnalyser, slots: number): FaceAnalyser {
  const waiting: Waiting[] = [];
  const lastTurn = new Map<string, number>();
  let turn = 0;
  let running = 0;

  const pick = (): Waiting | undefined => {
    let best = -1;
    let bestTurn = Infinity;
    for (const [i, w] of waiting.entries()) {
      const t = lastTurn.get(w.client) ?? -1;
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
      task
        .run()
        .then(task.resolve, task.reject)
        .finally(() => {
          running--;
          pump();
        });
    }
  };

  const submit = (client: string, run: () => Promise<PhotoAnalysis>) =>
    new Promise<PhotoAnalysis>((resolve, reject) => {
      waiting.push({ client, run, resolve, reject });
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
  };
}
