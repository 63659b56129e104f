import { describe, expect, it } from 'vitest';
import { fairShare } from '../../src/face/fair.ts';
import type { FaceAnalyser, PhotoAnalysis } from '../../src/face/types.ts';
import type { NormalisedImage } from '../../src/image/types.ts';

// Pure scheduling logic: the engine is a stand-in that records the order it was asked in.

function recordingEngine() {
  const order: string[] = [];
  const gates: Array<() => void> = [];
  const engine: FaceAnalyser = {
    backend: 'test',
    modelId: 'test',
    analyse: async () => {
      throw new Error('not used');
    },
    analyseImage: (img: NormalisedImage) =>
      new Promise<PhotoAnalysis>((resolve) => {
        order.push(img.format);
        gates.push(() => resolve({ width: img.width, height: img.height, format: img.format, faces: [] }));
      }),
    close: async () => undefined,
  };
  return { engine, order, release: () => gates.shift()?.() };
}

const img = (label: string) =>
  ({ data: Buffer.alloc(3), width: 1, height: 1, format: label }) as unknown as NormalisedImage;
const tick = () => new Promise((r) => setTimeout(r, 0));

describe('fairShare', () => {
  it('takes turns between clients instead of first come, first served', async () => {
    const { engine, order, release } = recordingEngine();
    const fair = fairShare(engine, 1);
    const done: Promise<unknown>[] = [];
    for (const label of ['a1', 'a2', 'a3']) done.push(fair.analyseImage(img(label), { client: 'attacker' }));
    done.push(fair.analyseImage(img('f1'), { client: 'family' }));
    done.push(fair.analyseImage(img('j1'), { client: 'jobs' }));
    for (let i = 0; i < 5; i++) {
      await tick();
      release();
    }
    await Promise.all(done);
    expect(order).toEqual(['a1', 'f1', 'j1', 'a2', 'a3']);
  });

  it('keeps at most `slots` tasks with the engines and passes failures through', async () => {
    let running = 0;
    let most = 0;
    const engine: FaceAnalyser = {
      backend: 'test',
      modelId: 'test',
      analyse: async () => {
        throw new Error('not used');
      },
      analyseImage: async (i) => {
        most = Math.max(most, ++running);
        await tick();
        running--;
        if (i.format === ('bad' as never)) throw new Error('boom');
        return { width: 1, height: 1, format: i.format, faces: [] };
      },
      close: async () => undefined,
    };
    const fair = fairShare(engine, 2);
    const all = ['x', 'y', 'bad', 'z', 'w'].map((l, k) => fair.analyseImage(img(l), { client: `c${k % 2}` }));
    const settled = await Promise.allSettled(all);
    expect(most).toBe(2);
    expect(settled.map((s) => s.status)).toEqual(['fulfilled', 'fulfilled', 'rejected', 'fulfilled', 'fulfilled']);
  });

  it('a stream of new clients cannot keep a waiting client from the engine (issue 32)', async () => {
    const { engine, order, release } = recordingEngine();
    const fair = fairShare(engine, 1);
    const done: Promise<unknown>[] = [];
    done.push(fair.analyseImage(img('jobs-1'), { client: 'jobs' }));
    done.push(fair.analyseImage(img('jobs-2'), { client: 'jobs' }));
    // each turn, a client never seen before arrives (a new address): before issue 32 each one
    // counted as never served and went first, so jobs-2 waited as long as they kept coming
    for (let k = 0; k < 6; k++) {
      done.push(fair.analyseImage(img(`new-${k}`), { client: `address-${k}` }));
      await tick();
      release();
    }
    for (let k = 0; k < 3; k++) {
      await tick();
      release();
    }
    await Promise.all(done);
    // passed only by the clients that arrived before its next turn came (old rule: by all six)
    expect(order.indexOf('jobs-2')).toBeLessThanOrEqual(3);
    expect(order).toHaveLength(8);
  });
});
