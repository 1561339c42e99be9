import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { describe, expect, it } from 'vitest';
import { createReranker, SwiperankError, type CandidateRow, type Plan } from './index.js';
import { idHash, ShownIds } from './model/shown.js';
import { validateBatch } from './model/validate.js';
import { allowWorkersInNode, portWorkers } from './testing/port-worker.js';
import { randomRows, seededRandom } from './testing/instances.js';
import { rejection } from './testing/errors.js';

const dim = 8;
const rows = (seed: number, size: number, prefix: string): CandidateRow[] =>
  randomRows(seededRandom(seed), { size, embeddingDim: dim, idPrefix: prefix });

const inline = (options = {}) => createReranker({ backend: 'cpu', worker: false, embeddingDim: dim, ...options });

/** A reranker on the real page side (queue, timeouts, restarts, page copy) over port workers. */
async function overWorkers(options = {}) {
  allowWorkersInNode();
  const workers = portWorkers();
  const ranker = await createReranker({ backend: 'cpu', embeddingDim: dim, createWorker: workers.createWorker, ...options });
  return { ranker, workers };
}

function heapMb(): number {
  setFlagsFromString('--expose-gc');
  (runInNewContext('gc') as () => void)();
  return process.memoryUsage().heapUsed / 2 ** 20;
}

describe('errors a program can use', () => {
  it('details name the id, row, field and value, and survive the worker boundary', async () => {
    for (const { ranker } of [{ ranker: await inline() }, await overWorkers()]) {
      const batch = rows(1, 5, 'd');
      batch[3]!.pVtr = 1.5;
      const error = await rejection(ranker.ingest(batch));
      expect(error.code).toBe('INVALID_CANDIDATE');
      expect(error.details).toEqual({ id: 'd3', row: 3, field: 'pVtr', value: 1.5, rule: 'must be in [0, 1]' });
      const option = await rejection(createReranker({ worker: false, lookahead: { depth: 99 } }));
      expect(option.details).toEqual({ field: 'options.lookahead.depth', value: 99, rule: 'must be in [1, 16]' });
      await ranker.dispose();
    }
  });

  it('a 1 MB id makes a short message, and details carry it cut', async () => {
    const r = await inline();
    const huge = 'x'.repeat(1 << 20);
    const error = await rejection(r.ingest([{ id: huge, pCvr: 2, pVtr: 0.1, pSdr: 0.1 }]));
    expect(error.message.length).toBeLessThan(600);
    expect(error.message).toMatch(/1048576 chars/);
    expect((error.details.id as string).length).toBeLessThan(250);
    const again = await rejection(r.feedback({ id: huge, dwellMs: -1 }));
    expect(again.message.length).toBeLessThan(600);
  });

  it('unknown nested option keys are BAD_OPTION naming the key', async () => {
    for (const [options, field] of [
      [{ lookahead: { dept: 6 } }, 'options.lookahead.dept'],
      [{ fusion: { wcvr: 1 } }, 'options.fusion.wcvr'],
      [{ fusion: { kind: 'rank', weights: { cvr: 1, vtr: 1, sdr: 1, ctr: 1 } } }, 'options.fusion.weights.ctr'],
      [{ personalization: { decey: 0.5 } }, 'options.personalization.decey'],
      [{ persistence: { name: 'a', nmae: 'b' } }, 'options.persistence.nmae'],
    ] as const) {
      const error = await rejection(inline(options));
      expect(error.code).toBe('BAD_OPTION');
      expect(error.details.field).toBe(field);
    }
    const r = await inline();
    expect((await rejection(r.configure({ lookahead: { dept: 3 } as never }))).details.field).toBe('options.lookahead.dept');
  });
});

describe('bad numbers', () => {
  it('embeddings of huge or tiny magnitude are normalised, not zeroed', () => {
    const out = validateBatch([
      { id: 'big', pCvr: 0, pVtr: 0, pSdr: 0, embedding: [1e300, -1e300, 0] },
      { id: 'tiny', pCvr: 0, pVtr: 0, pSdr: 0, embedding: [3e-300, 4e-300, 0] },
    ], 3);
    expect(Array.from(out.embedding.subarray(0, 3))).toEqual([Math.SQRT1_2, -Math.SQRT1_2, 0].map((x) => expect.closeTo(x, 12)));
    expect(Array.from(out.embedding.subarray(3, 6))).toEqual([0.6, 0.8, 0].map((x) => expect.closeTo(x, 12)));
  });

  it('a value above the limit is rejected naming the limit; at the limit every score is finite', async () => {
    const r = await inline();
    const error = await rejection(r.ingest([{ id: 'v', pCvr: 0.5, pVtr: 0.5, pSdr: 0.5, value: 1e39 }]));
    expect(error.details).toEqual({ id: 'v', row: 0, field: 'value', value: 1e39, rule: 'must be in (0, 1000000000000]' });
    expect(error.message).toMatch(/\(0, 1000000000000\]/);
    await r.ingest([{ id: 'v', pCvr: 0.5, pVtr: 0.5, pSdr: 0.5, value: 1e12 }]);
    const plan = await r.plan();
    expect(Number.isFinite(plan.value) && plan.items.every((i) => Number.isFinite(i.score))).toBe(true);
  });
});

describe('pool lifecycle', () => {
  it('remove() takes unshown candidates out; a removed id can come back, a shown one cannot', async () => {
    const r = await inline({ lookahead: { depth: 2, shortlist: 4 } });
    await r.ingest(rows(2, 10, 'r'));
    await r.swipe({ id: 'r0', dwellMs: 3000 });
    expect(await r.remove(['r0', 'r1', 'r2', 'r3', 'never-seen'])).toEqual({ removed: 3, poolSize: 6 });
    const plan = await r.plan();
    for (const id of ['r0', 'r1', 'r2', 'r3']) expect(plan.items.map((i) => i.id)).not.toContain(id);
    expect(await r.ingest(rows(2, 4, 'r'))).toMatchObject({ added: 3, skippedShown: 1, poolSize: 9 });
    expect((await rejection(r.remove(['ok', 7 as never]))).details).toEqual({ row: 1, field: 'id', value: 7 });
  });

  it('reset() empties the pool; shown ids stay unless keepShown: false; interest only with keepInterest', async () => {
    const r = await inline({ lookahead: { depth: 2, shortlist: 4 } });
    await r.ingest(rows(3, 20, 's'));
    let plan = await r.plan();
    const shown: string[] = [];
    for (let i = 0; i < 5; i++) {
      shown.push(plan.items[0]!.id);
      plan = await r.swipe({ id: plan.items[0]!.id, dwellMs: 9000, converted: true });
    }
    await r.reset();
    expect(await r.info()).toMatchObject({ poolSize: 0, shownCount: 5 });
    expect((await r.plan()).items).toEqual([]);
    expect(await r.ingest(rows(3, 20, 's'))).toMatchObject({ added: 15, skippedShown: 5 });
    await r.reset({ keepShown: false });
    expect(await r.ingest(rows(3, 20, 's'))).toMatchObject({ added: 20, skippedShown: 0 });
    expect((await rejection(r.reset({ keepShwn: true } as never))).code).toBe('BAD_OPTION');
  });

  it('past maxPoolSize the oldest unshown candidates are evicted, never the ones the batch updates', async () => {
    const r = await inline({ maxPoolSize: 10 });
    await r.ingest(rows(4, 8, 'a'));
    const result = await r.ingest([...rows(4, 2, 'a'), ...rows(5, 4, 'b')]);
    // 8 + 4 new = 12 > 10: a2 and a3 go (a0, a1 are updated by this batch).
    expect(result).toEqual({ added: 4, updated: 2, skippedShown: 0, evicted: 2, poolSize: 10 });
    expect(await r.remove(['a2', 'a3'])).toEqual({ removed: 0, poolSize: 10 });
    expect(await r.remove(['a0', 'a4'])).toEqual({ removed: 2, poolSize: 8 });
    expect((await rejection(r.ingest(rows(6, 11, 'c')))).code).toBe('LIMIT_EXCEEDED');
  });

  it('plans say how many candidates are left, may be empty, and lowWater fires once per shortfall', async () => {
    const low: number[] = [];
    const r = await inline({ lookahead: { depth: 2, shortlist: 4 }, lowWater: { below: 3, onLow: (n: number) => low.push(n) } });
    expect(await r.plan()).toMatchObject({ items: [], poolSize: 0 });
    await Promise.resolve();
    expect(low).toEqual([0]);
    await r.ingest(rows(7, 5, 'l'));
    let plan = await r.plan();
    expect(plan.poolSize).toBe(5);
    while (plan.items.length > 0) plan = await r.swipe({ id: plan.items[0]!.id, dwellMs: 100 });
    await Promise.resolve();
    expect(low).toEqual([0, 2]);
    expect(plan).toMatchObject({ items: [], poolSize: 0 });
    expect((await rejection(inline({ lowWater: { below: 3 } }))).code).toBe('BAD_OPTION');
  });

  it('a stream of feedback() does not starve a pending plan()', async () => {
    for (const { ranker } of [{ ranker: await inline() }, await overWorkers()]) {
      await ranker.ingest(rows(8, 50, 'f'));
      let answered = false;
      const plan = ranker.plan().then((p) => { answered = true; return p; });
      let sent = 0;
      while (!answered && sent < 500) {
        void ranker.feedback({ id: `elsewhere-${sent++}`, dwellMs: 10 });
        await new Promise((resolve) => setTimeout(resolve, 0));
      }
      expect((await plan).items.length).toBeGreaterThan(0);
      expect(sent).toBeLessThan(50);
      await ranker.dispose();
    }
  });
});

describe('shown-id memory', () => {
  it('holds 100,000 ids in 4 bytes each; past its capacity the oldest go first', () => {
    const shown = new ShownIds(100_000);
    for (let i = 0; i < 100_000; i++) shown.add(`item-${i}`);
    let remembered = 0;
    for (let i = 0; i < 100_000; i++) if (shown.has(`item-${i}`)) remembered++;
    expect(remembered).toBe(100_000);
    expect(shown.toArray().byteLength).toBe(400_000);
    shown.add('one-more');
    expect(shown.has('item-0')).toBe(false);
    expect(shown.has('item-1')).toBe(true);
    expect(shown.toArray()[99_999]).toBe(idHash('one-more'));
  });

  it('after 5,300 swipes, early items the server sends again stay out', async () => {
    const r = await inline({ lookahead: { depth: 1, shortlist: 1, beamWidth: 1 } });
    const early = rows(9, 300, 'early');
    await r.ingest(early);
    for (const row of early) await r.feedback({ id: row.id, dwellMs: 500 });
    for (let i = 0; i < 5_000; i++) await r.feedback({ id: `later-${i}`, dwellMs: 500 });
    expect(await r.ingest(early)).toMatchObject({ added: 0, skippedShown: 300 });
    expect((await r.info()).shownCount).toBe(5_300);
  });
});

describe('restarts from the page copy', () => {
  it('a crashed worker is restarted with the same pool, shown ids and interest: the same plan', async () => {
    const { ranker, workers } = await overWorkers({ lookahead: { depth: 3, shortlist: 16 } });
    await ranker.ingest(rows(10, 100, 'w'));
    let plan = await ranker.plan();
    for (let i = 0; i < 10; i++) plan = await ranker.swipe({ id: plan.items[0]!.id, dwellMs: 1000 * i, converted: i === 3 });
    const before = await ranker.plan();
    workers.current.faults.crash = true;
    expect((await rejection(ranker.plan())).code).toBe('WORKER_FAILED');
    const after = await ranker.plan();
    expect(workers.started).toHaveLength(2);
    expect(after.items.map((i) => i.id)).toEqual(before.items.map((i) => i.id));
    expect(after.value).toBe(before.value);
    expect(await ranker.info()).toMatchObject({ shownCount: 10, poolSize: 90, worker: true });
    await ranker.dispose();
  });

  it('a caller that changes its rows after ingest does not break a restart: the copy is the page\'s own', async () => {
    const { ranker, workers } = await overWorkers();
    const page = rows(14, 50, 'm');
    await ranker.ingest(page);
    for (const row of page) {
      row.pCvr = NaN;
      row.embedding = [];
    }
    workers.current.faults.crash = true;
    expect((await rejection(ranker.plan())).code).toBe('WORKER_FAILED');
    expect((await ranker.plan()).poolSize).toBe(50);
    expect(await ranker.info()).toMatchObject({ poolSize: 50, worker: true });
    await ranker.dispose();
  });

  it('one stall under a tight timeoutMs: recovered within 3 calls', async () => {
    // Tight, yet clear of a loaded test machine's hiccups.
    const { ranker, workers } = await overWorkers({ timeoutMs: 500 });
    await ranker.ingest(rows(11, 200, 't'));
    await ranker.plan();
    workers.current.faults.stallMs = 750;
    const results: string[] = [];
    for (let call = 0; call < 3; call++) {
      results.push(await ranker.plan().then(() => 'ok', (e: SwiperankError) => e.code));
    }
    expect(results[0]).toBe('TIMEOUT');
    expect(results.indexOf('ok')).toBeGreaterThan(0);
    expect(results.slice(results.indexOf('ok'))).toEqual(results.slice(results.indexOf('ok')).map(() => 'ok'));
    expect(workers.alive).toBe(1);
    await ranker.dispose();
  });

  it('a swipe whose plan fails can be retried: the feedback is recorded once', async () => {
    const { ranker, workers } = await overWorkers();
    await ranker.ingest(rows(12, 20, 'a'));
    const { items: [first] } = await ranker.plan();
    workers.current.faults.fail = true;
    expect(await ranker.swipe({ id: first!.id, dwellMs: 3000 }).catch((e: Error) => e.message)).toMatch(/simulated plan failure/);
    const plan = await ranker.swipe({ id: first!.id, dwellMs: 3000 });
    expect(plan.items.map((i) => i.id)).not.toContain(first!.id);
    expect((await ranker.info()).shownCount).toBe(1);
    // A crash mid-swipe loses the dead worker's record: the retry records it on the new one.
    workers.current.faults.crash = true;
    const second = plan.items[0]!.id;
    expect((await rejection(ranker.swipe({ id: second, dwellMs: 3000 }))).code).toBe('WORKER_FAILED');
    expect((await ranker.swipe({ id: second, dwellMs: 3000 })).items.map((i) => i.id)).not.toContain(second);
    expect((await ranker.info()).shownCount).toBe(2);
    await ranker.dispose();
  });

  it('a worker that keeps dying: the feed moves inline on the CPU and info() says so', async () => {
    allowWorkersInNode();
    const workers = portWorkers({ always: { crash: true } });
    const ranker = await createReranker({ backend: 'cpu', embeddingDim: dim, createWorker: workers.createWorker, lookahead: { depth: 2, shortlist: 4 } });
    await ranker.ingest(rows(13, 30, 'k'));
    const codes: string[] = [];
    let plan: Plan | null = null;
    for (let call = 0; call < 6 && !plan; call++) {
      plan = await ranker.plan().catch((e: SwiperankError) => { codes.push(e.code); return null; });
    }
    // The first plan crashes its worker; the next two restarts crash in their warm-up plan.
    expect(codes).toEqual(['WORKER_FAILED', 'WORKER_FAILED', 'WORKER_FAILED']);
    expect(plan!.items.length).toBe(2);
    const info = await ranker.info();
    expect(info).toMatchObject({ worker: false, backend: 'cpu', poolSize: 30 });
    expect(info.fallbackReason).toMatch(/failed 3 times in a row.*inline on the CPU/);
    expect(workers.alive).toBe(0);
    await ranker.dispose();
  });

  it('a start that fails leaves no worker behind', async () => {
    allowWorkersInNode();
    for (const [workers, options] of [
      [portWorkers(), { backend: 'webgpu' }],
      [portWorkers({ dieOnStart: true }), {}],
    ] as const) {
      for (let i = 0; i < 3; i++) {
        const error = await rejection(createReranker({ createWorker: workers.createWorker, ...options }));
        expect(error.code).toBe(options.backend ? 'WEBGPU_UNAVAILABLE' : 'WORKER_FAILED');
      }
      expect(workers.started).toHaveLength(3);
      expect(workers.alive).toBe(0);
    }
  });
});

describe('a long session', () => {
  it('20,000 swipes, a page of 200 every 20, a crash at 5,300: no repeat, no error, flat latency and heap', async () => {
    const { ranker, workers } = await overWorkers({ lookahead: { depth: 4, beamWidth: 8, shortlist: 64 } });
    const shown = new Set<string>();
    const ms: number[] = [];
    const heap: number[] = [];
    let errors = 0;
    let page = 0;
    const nextPage = async () => {
      // A server page: 190 new items and 10 from long ago, which may have been shown.
      const fresh = rows(page, 190, `p${page}-`);
      const old = page > 10 ? rows(page - 10, 10, `p${Math.floor(page / 2)}-`) : [];
      page++;
      await ranker.ingest([...fresh, ...old]);
    };
    await nextPage();
    let plan = await ranker.plan();
    for (let swipe = 0; swipe < 20_000; swipe++) {
      if (swipe % 20 === 19) await nextPage();
      if (swipe === 5_300) workers.current.faults.crash = true;
      if (swipe % 2_000 === 0) heap.push(heapMb());
      const id = plan.items[0]!.id;
      expect(shown.has(id), `swipe ${swipe}: ${id} again`).toBe(false);
      shown.add(id);
      const start = performance.now();
      try {
        plan = await ranker.swipe({ id, dwellMs: (swipe * 997) % 7000, converted: swipe % 53 === 0 });
      } catch (e) {
        expect(swipe, `${(e as Error).message}`).toBe(5_300);
        errors++;
        plan = await ranker.swipe({ id, dwellMs: 1000 });
      }
      ms.push(performance.now() - start);
    }
    heap.push(heapMb());
    // Medians: a shared machine's hiccups move a mean, not a median.
    const median = (a: number[]) => a.slice().sort((x, y) => x - y)[a.length >> 1]!;
    const early = median(ms.slice(2_000, 4_000));
    const late = median(ms.slice(18_000, 20_000));
    const info = await ranker.info();
    console.log(`20,000 swipes: ${shown.size} distinct, crash errors ${errors}, workers ${workers.started.length}; `
      + `per swipe (median) ${early.toFixed(3)} ms (swipes 2k-4k) vs ${late.toFixed(3)} ms (18k-20k); `
      + `heap MiB by 2k swipes ${heap.map((h) => h.toFixed(1)).join(' ')}; pool ${info.poolSize}, shown ${info.shownCount}`);
    expect(shown.size).toBe(20_000);
    expect(errors).toBe(1);
    expect(info.shownCount).toBe(20_000);
    // A pool that kept growing would be ~6x slower by the end (10,000 vs 65,536 candidates).
    expect(late / early).toBeLessThan(3);
    // Bounded growth: the shown-id memory (two copies, 20,000 ids) and this test's own records.
    expect(heap[heap.length - 1]! - heap[2]!).toBeLessThan(12);
    await ranker.dispose();
  }, 600_000);
});
