import { createStore, get } from 'idb-keyval';
import { describe, expect, it } from 'vitest';
import { createReranker, type CandidateRow, type Plan, type Reranker } from './index.js';
import { idHash } from './model/shown.js';
import { requireAdapter } from './testing/gpu.js';
import { randomRows, seededRandom } from './testing/instances.js';
import { pageHeapMb as heapMb, rejection } from './testing/errors.js';
import { lane } from './testing/lane.js';

const dim = 16;
const page = (seed: number, size: number, prefix: string): CandidateRow[] =>
  randomRows(seededRandom(seed), { size, embeddingDim: dim, categories: 6, idPrefix: prefix });

/** Counts IndexedDB puts made in this page (the inline engine's writes) until restored. */
function countIndexedDbWrites(): { writes: number; restore(): void } {
  const put = IDBObjectStore.prototype.put;
  const counter = { writes: 0, restore: () => { IDBObjectStore.prototype.put = put; } };
  IDBObjectStore.prototype.put = function (this: IDBObjectStore, ...args: Parameters<IDBObjectStore['put']>) {
    counter.writes++;
    return put.apply(this, args);
  };
  return counter;
}

describe('the page runtime', () => {
  // GPU buffers and the page heap are the claim: it needs an adapter and a measurable heap.
  it.runIf(lane.hasWebGpu && lane.measuresHeap)('1,000 swipes with ingests between them: no item twice, no stale plan, steady heap and GPU buffers', async () => {
    await requireAdapter();
    const ranker = await createReranker({ backend: 'webgpu', embeddingDim: dim, lookahead: { depth: 4, shortlist: 64, beamWidth: 8 } });
    const info = await ranker.info();
    console.log(`backend ${info.backend} (${info.adapter}) in a worker: ${info.worker}`);
    expect(info.worker).toBe(true);
    expect(info.backend).toBe('webgpu');
    await ranker.ingest(page(1, 300, 'p0-'));
    const shown = new Set<string>();
    let plan = await ranker.plan();
    let heapStart = 0, buffersStart: number | undefined;
    let lastGeneration = plan.generation;
    for (let swipe = 0; swipe < 1000; swipe++) {
      if (swipe === 50) {
        heapStart = heapMb();
        buffersStart = (await ranker.info()).gpu?.buffers;
      }
      if (swipe % 10 === 5) {
        // A new server page, overlapping the last one (known and shown ids come back too), sent without waiting.
        void ranker.ingest(page(swipe, 40, `p${Math.floor(swipe / 20)}-`));
      }
      const id = plan.items[0]!.id;
      expect(shown.has(id), `swipe ${swipe}: ${id} shown twice`).toBe(false);
      shown.add(id);
      const next = ranker.swipe({ id, dwellMs: (swipe * 997) % 7000, converted: swipe % 37 === 0 });
      // A plan asked for while the swipe is pending must come back current, never stale.
      const concurrent = ranker.plan();
      plan = await next;
      const other = await concurrent;
      expect(plan.items.map((i) => i.id)).not.toContain(id);
      expect(other.generation).toBeGreaterThanOrEqual(plan.generation);
      expect(plan.generation).toBeGreaterThan(lastGeneration);
      lastGeneration = plan.generation;
    }
    const heapEnd = heapMb();
    const end = await ranker.info();
    console.log(`page heap: ${heapStart.toFixed(1)} MiB after 50 swipes, ${heapEnd.toFixed(1)} MiB after 1000; `
      + `GPU buffers: ${buffersStart ?? 'n/a'} -> ${end.gpu?.buffers ?? 'n/a'} (${end.backend}); shown ${end.shownCount}`);
    expect(shown.size).toBe(1000);
    expect(heapEnd - heapStart).toBeLessThan(16);
    expect(end.gpu?.buffers).toBe(buffersStart);
    expect(buffersStart).toBeGreaterThan(0);
    await ranker.dispose();
  });

  it('a reload in the same profile restores the interest state and shown ids from IndexedDB', async () => {
    const name = `reload-${Date.now()}`;
    const options = { embeddingDim: dim, persistence: { name }, lookahead: { depth: 3, shortlist: 32 } } as const;
    const first = await createReranker(options);
    expect((await first.info()).persistence).toBe('indexeddb');
    await first.ingest(page(7, 200, 'r-'));
    let plan = await first.plan();
    const shown: string[] = [];
    for (let i = 0; i < 12; i++) {
      const id = plan.items[0]!.id;
      shown.push(id);
      plan = await first.swipe({ id, dwellMs: i % 3 ? 6000 : 400, converted: i === 4 });
    }
    const expected = plan;
    await first.dispose(); // flushes the batched write

    const second = await createReranker(options);
    const info = await second.info();
    expect(info).toMatchObject({ persistence: 'indexeddb', shownCount: 12 });
    const again = await second.ingest(page(7, 200, 'r-'));
    expect(again.skippedShown).toBe(12);
    const restored = await second.plan();
    // Same pool, same interest state, same last item: the same plan.
    expect(restored.items.map((i) => i.id)).toEqual(expected.items.map((i) => i.id));
    expect(restored.value).toBeCloseTo(expected.value, 9);
    for (const item of restored.items) expect(shown).not.toContain(item.id);
    await second.dispose();
  });

  it('persistence writes are batched, not one per swipe', async () => {
    const idb = countIndexedDbWrites();
    try {
      const name = `batched-${Date.now()}`;
      // The CPU backend: a GPU readback (~100 ms on Firefox's fallback adapter) is not the point here.
      const ranker = await createReranker({ backend: 'cpu', worker: false, embeddingDim: dim, persistence: { name } });
      await ranker.ingest(page(11, 80, 'q-'));
      let plan = await ranker.plan();
      const started = performance.now();
      for (let i = 0; i < 40; i++) plan = await ranker.swipe({ id: plan.items[0]!.id, dwellMs: 2500 });
      const elapsed = performance.now() - started;
      await ranker.dispose();
      console.log(`40 swipes in ${elapsed.toFixed(0)} ms: ${idb.writes} IndexedDB writes`);
      expect(idb.writes).toBeGreaterThanOrEqual(1);
      // At most one write per 400 ms batching window, and the flush at dispose: however slow
      // the machine, never one per swipe.
      expect(idb.writes).toBeLessThanOrEqual(Math.ceil(elapsed / 400) + 1);
      expect(idb.writes).toBeLessThan(40);
      const reopened = await createReranker({ worker: false, embeddingDim: dim, persistence: { name } });
      expect((await reopened.info()).shownCount).toBe(40);
      await reopened.dispose();
    } finally {
      idb.restore();
    }
  });

  it('a page hidden or unloaded right after a swipe writes it now, not after the batching delay', async () => {
    const name = `pagehide-${Date.now()}`;
    // Inline, so this page sees the engine's IndexedDB writes; the page-side handler is the same.
    const ranker = await createReranker({ backend: 'cpu', worker: false, embeddingDim: dim, persistence: { name } });
    await ranker.ingest(page(13, 60, 'h-'));
    const { items: [first] } = await ranker.plan();
    await ranker.swipe({ id: first!.id, dwellMs: 3000 });
    const idb = countIndexedDbWrites();
    try {
      dispatchEvent(new PageTransitionEvent('pagehide'));
      // The write reads the stored record first (another tab's shown ids are merged in), then
      // puts: 100 ms later, far inside the 400 ms batching delay, it has happened.
      const hidden = performance.now();
      await expect.poll(() => idb.writes, { interval: 5, timeout: 100 }).toBe(1);
      expect(performance.now() - hidden).toBeLessThan(300);
    } finally {
      idb.restore();
    }
    await ranker.flush();
    const stored = await get<{ shown: Uint32Array }>('session', createStore(`swiperank:${name}`, 'state'));
    expect(Array.from(stored!.shown)).toEqual([idHash(first!.id)]);
    await ranker.dispose();
  });

  it('a swipe after a pause is on disk at once, in the worker too: a reload that kills the worker keeps it', async () => {
    // The pagehide flush cannot save a worker's write: the page's unload terminates the worker
    // before its IndexedDB transaction commits. So a swipe after a quiet spell is written at
    // once, and only a burst of swipes waits for the batching window.
    const name = `leading-${Date.now()}`;
    const ranker = await createReranker({ backend: 'cpu', embeddingDim: dim, persistence: { name } });
    expect((await ranker.info()).worker).toBe(true);
    await ranker.ingest(page(17, 40, 'l-'));
    const { items: [first] } = await ranker.plan();
    await new Promise((resolve) => setTimeout(resolve, 500)); // a user watching the item
    await ranker.swipe({ id: first!.id, dwellMs: 3000 });
    const store = createStore(`swiperank:${name}`, 'state');
    // Well inside the 400 ms batching window: the write has already happened.
    await expect.poll(async () => Array.from((await get<{ shown: Uint32Array }>('session', store))?.shown ?? []),
      { interval: 10, timeout: 150 }).toEqual([idHash(first!.id)]);
    await ranker.dispose();
  });

  it('IndexedDB that refuses to open: the feed still plans, in memory, and says so', async () => {
    const open = indexedDB.open;
    indexedDB.open = () => { throw new DOMException('A mutation operation was attempted on a database that did not allow mutations.', 'InvalidStateError'); };
    try {
      const ranker = await createReranker({ worker: false, embeddingDim: dim, persistence: { name: 'blocked' } });
      await ranker.ingest(page(3, 50, 'b-'));
      const plan = await ranker.plan();
      const swiped = await ranker.swipe({ id: plan.items[0]!.id, dwellMs: 3000 });
      expect(swiped.items.length).toBeGreaterThan(0);
      const info = await ranker.info();
      expect(info.persistence).toBe('memory');
      expect(info.persistenceReason).toMatch(/IndexedDB failed to open.*InvalidStateError/);
      console.log(`persistence: ${info.persistence} (${info.persistenceReason})`);
      await ranker.dispose();
    } finally {
      indexedDB.open = open;
    }
  });

  it('a worker that dies mid-plan: the pending call rejects WORKER_FAILED, the next plan() succeeds with the session', async () => {
    let worker!: Worker;
    const ranker = await createReranker({
      embeddingDim: dim,
      lookahead: { depth: 3, shortlist: 16 },
      createWorker: () => {
        worker = new Worker(new URL('./testing/crashable-worker.ts', import.meta.url), { type: 'module' });
        return worker;
      },
    });
    await ranker.ingest(page(9, 100, 'w-'));
    const plan = await ranker.plan();
    const first = plan.items[0]!.id;
    const before = await ranker.swipe({ id: first, dwellMs: 8000, converted: true });
    const crashed = worker;
    crashed.postMessage('arm-crash');
    const pending = ranker.plan();
    const error = await rejection(pending);
    expect(error.code).toBe('WORKER_FAILED');
    console.log(`pending plan rejected: ${error.code}: ${error.message}`);
    const after = await ranker.plan();
    expect(worker).not.toBe(crashed);
    // The restarted worker has the pool, the shown id and the interest state back: the same plan.
    expect(after.items.map((i) => i.id)).toEqual(before.items.map((i) => i.id));
    expect(after.value).toBeCloseTo(before.value, 9);
    expect((await ranker.info()).shownCount).toBe(1);
    await ranker.dispose();
  });

  it('a worker killed silently: the call times out, the next call restarts it', async () => {
    const workers: Worker[] = [];
    const ranker = await createReranker({
      timeoutMs: 1500,
      createWorker: () => {
        const w = new Worker(new URL('./testing/crashable-worker.ts', import.meta.url), { type: 'module' });
        workers.push(w);
        return w;
      },
    });
    await ranker.ingest([{ id: 'a', pCvr: 0.1, pVtr: 0.2, pSdr: 0.5 }, { id: 'b', pCvr: 0.2, pVtr: 0.2, pSdr: 0.5 }]);
    workers[0]!.terminate();
    expect((await rejection(ranker.plan())).code).toBe('TIMEOUT');
    const plan: Plan = await ranker.plan();
    expect(plan.items.map((i) => i.id)).toEqual(['b', 'a']);
    expect(workers).toHaveLength(2);
    await ranker.dispose();
  });

  it('dispose() ends the worker; later calls reject with DISPOSED', async () => {
    const ranker: Reranker = await createReranker({});
    await ranker.dispose();
    expect((await rejection(ranker.plan())).code).toBe('DISPOSED');
    expect((await rejection(ranker.ingest([]))).code).toBe('DISPOSED');
  });
});
