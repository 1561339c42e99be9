import { describe, expect, it } from 'vitest';
import { createReranker, type CandidateRow, type Reranker } from './index.js';
import { randomRows, seededRandom } from './testing/instances.js';
import { rejection } from './testing/errors.js';

const dim = 3;
const good = (): CandidateRow[] => randomRows(seededRandom(1), { size: 20, embeddingDim: dim });

async function ranker(options = {}): Promise<Reranker> {
  const r = await createReranker({ backend: 'cpu', worker: false, embeddingDim: dim, ...options });
  await r.ingest(good());
  return r;
}

describe('bad input (docs/MODEL.md#candidates): rejected whole, named, and nothing changes', () => {
  const cases: [string, (rows: CandidateRow[]) => unknown, string, RegExp][] = [
    ['NaN', (r) => { r[3]!.pCvr = NaN; }, 'INVALID_CANDIDATE', /"c3".*pCvr.*NaN/],
    ['infinity', (r) => { r[4]!.pSdr = Infinity; }, 'INVALID_CANDIDATE', /"c4".*pSdr.*Infinity/],
    ['probability above 1', (r) => { r[5]!.pVtr = 1.5; }, 'INVALID_CANDIDATE', /"c5".*pVtr.*\[0, 1\].*1\.5/],
    ['probability below 0', (r) => { r[6]!.pCvr = -0.1; }, 'INVALID_CANDIDATE', /"c6".*pCvr.*-0\.1/],
    ['zero value', (r) => { r[7]!.value = 0; }, 'INVALID_CANDIDATE', /"c7".*value.*\(0, 1000000000000\].*got 0/],
    ['absurd value', (r) => { r[7]!.value = 1e39; }, 'INVALID_CANDIDATE', /"c7".*value.*\(0, 1000000000000\].*got 1e\+39/],
    ['negative value', (r) => { r[7]!.value = -3; }, 'INVALID_CANDIDATE', /"c7".*value.*-3/],
    ['embedding too short', (r) => { r[8]!.embedding = [1, 2]; }, 'INVALID_CANDIDATE', /"c8".*embedding\.length.*3.*got 2/],
    ['NaN in embedding', (r) => { r[8]!.embedding = [1, NaN, 2]; }, 'INVALID_CANDIDATE', /"c8".*embedding\[1\].*NaN/],
    ['duplicate id', (r) => { r[9]!.id = 'c2'; }, 'DUPLICATE_ID', /"c2".*row 9.*more than once/],
    ['empty id', (r) => { r[10]!.id = ''; }, 'INVALID_CANDIDATE', /row 10.*id.*non-empty string.*""/],
    ['numeric id', (r) => { (r[11] as { id: unknown }).id = 42; }, 'INVALID_CANDIDATE', /row 11.*id.*got 42/],
    ['fractional category', (r) => { r[12]!.category = 1.5; }, 'INVALID_CANDIDATE', /"c12".*category.*1\.5/],
  ];

  it.each(cases)('%s', async (_, spoil, code, message) => {
    const r = await ranker();
    const before = await r.plan();
    const infoBefore = await r.info();
    const rows = good().map((row) => ({ ...row, id: `new-${row.id}` }));
    // The bad row sits among rows that would update known ids and add new ones.
    const batch = [...good().slice(0, 3).map((row) => ({ ...row, pCvr: 0.9 })), ...good().slice(3)];
    spoil(batch);
    const error = await rejection(r.ingest([...batch, ...rows]));
    expect(error.code).toBe(code);
    expect(error.message).toMatch(message);
    expect(await r.info()).toEqual(infoBefore);
    expect(await r.plan()).toMatchObject({ items: before.items, value: before.value });
  });

  it('columns: a column of the wrong length names the column', async () => {
    const r = await ranker();
    const error = await rejection(r.ingest({
      id: ['x', 'y'], pCvr: new Float32Array([0.1, 0.2]), pVtr: new Float32Array([0.1]), pSdr: [0.5, 0.5],
    }));
    expect(error.code).toBe('INVALID_CANDIDATE');
    expect(error.message).toMatch(/columns\.pVtr has length 1, expected 2/);
    expect((await r.info()).poolSize).toBe(20);
  });

  it('columns: a bad value names the id and field', async () => {
    const r = await ranker();
    const error = await rejection(r.ingest({
      id: ['x', 'y'], pCvr: [0.1, 0.2], pVtr: [0.1, 0.3], pSdr: [0.5, 2], embedding: new Float32Array(6),
    }));
    expect(error.message).toMatch(/"y".*pSdr.*got 2/);
    expect((await r.info()).poolSize).toBe(20);
  });

  it('a batch with more candidates than maxPoolSize is LIMIT_EXCEEDED, and nothing is added', async () => {
    const r = await createReranker({ backend: 'cpu', worker: false, maxPoolSize: 65_536 });
    const n = 65_536;
    const cols = (k: number, prefix: string) => ({
      id: Array.from({ length: k }, (_, i) => `${prefix}${i}`),
      pCvr: new Float64Array(k).fill(0.1), pVtr: new Float64Array(k).fill(0.2), pSdr: new Float64Array(k).fill(0.5),
    });
    expect((await r.ingest(cols(n - 10, 'a'))).added).toBe(n - 10);
    // Past maxPoolSize the oldest unshown go, instead of the feed stopping.
    expect(await r.ingest(cols(11, 'b'))).toMatchObject({ added: 11, evicted: 1, poolSize: n });
    const error = await rejection(r.ingest(cols(n + 1, 'c')));
    expect(error.code).toBe('LIMIT_EXCEEDED');
    expect(error.details).toEqual({ field: 'batch.length', value: n + 1 });
    expect((await r.info()).poolSize).toBe(n);
  });

  it.each([
    [{ embeddingDim: 257 }, 'LIMIT_EXCEEDED', /embeddingDim.*\[0, 256\].*257/],
    [{ lookahead: { depth: 17 } }, 'LIMIT_EXCEEDED', /lookahead\.depth.*\[1, 16\].*17/],
    [{ lookahead: { depth: 0 } }, 'LIMIT_EXCEEDED', /lookahead\.depth.*0/],
    [{ lookahead: { beamWidth: 65 } }, 'LIMIT_EXCEEDED', /lookahead\.beamWidth.*\[1, 64\].*65/],
    [{ lookahead: { depth: 8, shortlist: 7 } }, 'LIMIT_EXCEEDED', /lookahead\.shortlist.*\[8, 1024\].*7/],
    [{ lookahead: { shortlist: 1025 } }, 'LIMIT_EXCEEDED', /lookahead\.shortlist.*1025/],
    [{ lookahead: { rho: 2 } }, 'BAD_OPTION', /lookahead\.rho.*\[0, 1\].*2/],
    [{ lookahead: { tail: -1 } }, 'BAD_OPTION', /lookahead\.tail.*-1/],
    [{ fusion: { kind: 'max' } }, 'BAD_OPTION', /fusion\.kind.*"max"/],
    [{ fusion: { kind: 'rank' } }, 'BAD_OPTION', /fusion\.weights.*required/],
    [{ fusion: { wCvr: NaN } }, 'BAD_OPTION', /fusion\.wCvr.*NaN/],
    [{ backend: 'gpu' }, 'BAD_OPTION', /backend.*"gpu"/],
    [{ personalization: { decay: 1.5 } }, 'BAD_OPTION', /personalization\.decay.*1\.5/],
    [{ persistence: { name: '' } }, 'BAD_OPTION', /persistence\.name.*""/],
    [{ timeoutMs: 0 }, 'BAD_OPTION', /timeoutMs.*0/],
    // A misspelt top-level option was a silent default (`embedingDim: 32` ran with 0).
    [{ embedingDim: 32 }, 'BAD_OPTION', /^options\.embedingDim is not an option \(known: .*embeddingDim.*\), got 32$/],
    [{ lookahaed: { depth: 3 } }, 'BAD_OPTION', /^options\.lookahaed is not an option/],
  ])('option %j is rejected with %s', async (options, code, message) => {
    const error = await rejection(createReranker({ backend: 'cpu', worker: false, ...options } as never));
    expect(error.code).toBe(code);
    expect(error.message).toMatch(message);
  });

  it('forcing webgpu where there is none rejects with WEBGPU_UNAVAILABLE', async () => {
    const error = await rejection(createReranker({ backend: 'webgpu', worker: false }));
    expect(error.code).toBe('WEBGPU_UNAVAILABLE');
    // The details name the option and why, as for every other error.
    // In Node the reason is WebGPU's absence, not a ReferenceError from loading the WebGPU modules.
    expect(error.details).toEqual({ field: 'options.backend', value: 'webgpu',
      rule: 'needs a WebGPU adapter: navigator.gpu is missing: WebGPU is not available in this context' });
  });

  it('bad feedback names the field, and changes nothing', async () => {
    const r = await ranker();
    const before = await r.info();
    expect((await rejection(r.swipe({ id: 'c1', dwellMs: -5 }))).message).toMatch(/feedback\.dwellMs.*-5/);
    expect((await rejection(r.feedback({ id: '', dwellMs: 5 }))).message).toMatch(/feedback\.id.*""/);
    expect((await rejection(r.feedback({ id: 'c1', dwellMs: 5, converted: 'yes' as never }))).message)
      .toMatch(/feedback\.converted.*"yes"/);
    expect(await r.info()).toEqual(before);
  });

  it('a feedback, worker or lowWater that is not what it should be says so in details', async () => {
    const r = await ranker();
    expect((await rejection(r.swipe(null as never))).details).toEqual({ field: 'feedback', value: null, rule: 'must be { id, dwellMs, converted? }' });
    expect((await rejection(createReranker({ worker: 'no' as never }))).details)
      .toEqual({ field: 'options.worker', value: 'no', rule: 'must be a boolean' });
    const low = await rejection(createReranker({ worker: false, lowWater: { below: NaN, onLow: () => {} } }));
    expect(low.message).toMatch(/options\.lowWater\.below must be an integer >= 0, got NaN/);
    expect(low.details).toEqual({ field: 'options.lowWater.below', value: NaN, rule: 'must be an integer >= 0' });
    expect((await rejection(createReranker({ worker: false, lowWater: { below: 5 } as never }))).details)
      .toMatchObject({ field: 'options.lowWater.onLow', rule: 'must be a function' });
  });
});

describe('sessions', () => {
  it('shown items never appear in a later plan, even when the server sends them again', async () => {
    const r = await createReranker({ backend: 'cpu', worker: false, embeddingDim: dim, lookahead: { depth: 3, shortlist: 8 } });
    const rows = randomRows(seededRandom(5), { size: 30, embeddingDim: dim });
    await r.ingest(rows.slice(0, 20));
    const shown: string[] = [];
    let plan = await r.plan();
    for (let swipe = 0; swipe < 30; swipe++) {
      if (swipe === 10) await r.ingest(rows.slice(10)); // overlaps the first page, shown ones included
      if (plan.items.length === 0) break;
      for (const item of plan.items) expect(shown).not.toContain(item.id);
      const id = plan.items[0]!.id;
      shown.push(id);
      plan = await r.swipe({ id, dwellMs: 2000 + swipe * 100 });
    }
    expect(shown).toHaveLength(30);
    expect(new Set(shown).size).toBe(30);
    expect(plan.items).toEqual([]);
    const again = await r.ingest(rows);
    expect(again).toEqual({ added: 0, updated: 0, skippedShown: 30, evicted: 0, poolSize: 0 });
    expect((await r.plan()).items).toEqual([]);
    expect((await r.info()).shownCount).toBe(30);
  });

  it('feedback: a second report of the same item is rejected; an id never ingested is only remembered as shown', async () => {
    const r = await ranker();
    await r.swipe({ id: 'c3', dwellMs: 100 });
    const before = await r.info();
    const error = await rejection(r.feedback({ id: 'c3', dwellMs: 100 }));
    expect(error.code).toBe('ALREADY_SHOWN');
    expect(error.details).toEqual({ id: 'c3', field: 'feedback.id', value: 'c3' });
    expect(error.message).toMatch(/"c3".*already reported/);
    expect(await r.info()).toEqual(before);
    await r.feedback({ id: 'pinned-ad', dwellMs: 900 });
    expect((await r.ingest([{ id: 'pinned-ad', pCvr: 0.9, pVtr: 0.9, pSdr: 0.9 }])).skippedShown).toBe(1);
    expect((await r.plan()).items.map((i) => i.id)).not.toContain('pinned-ad');
  });

  it('a known id updates that candidate in place', async () => {
    const r = await createReranker({ backend: 'cpu', worker: false, lookahead: { depth: 1, shortlist: 1 } });
    await r.ingest([{ id: 'a', pCvr: 0.1, pVtr: 0.1, pSdr: 0.5 }, { id: 'b', pCvr: 0.2, pVtr: 0.2, pSdr: 0.5 }]);
    expect((await r.plan()).items[0]!.id).toBe('b');
    expect(await r.ingest([{ id: 'a', pCvr: 0.9, pVtr: 0.9, pSdr: 0.5 }])).toEqual({ added: 0, updated: 1, skippedShown: 0, evicted: 0, poolSize: 2 });
    expect((await r.plan()).items[0]!.id).toBe('a');
  });

  it('every default is filled in and reported', async () => {
    const r = await createReranker({ worker: false });
    expect(await r.info()).toMatchObject({
      backend: 'cpu', adapter: 'cpu', poolSize: 0, persistence: 'off', worker: false, embeddingDim: 0, generation: 0,
    });
    expect(await r.plan()).toMatchObject({ items: [], backend: 'cpu', generation: 0 });
  });

  it('plans stay in call order and a plan made stale by a later swipe is not returned', async () => {
    const r = await ranker({ lookahead: { depth: 2, shortlist: 4 } });
    const first = await r.plan();
    const stale = r.plan();
    const swiped = r.swipe({ id: first.items[0]!.id, dwellMs: 3000 });
    const [a, b] = await Promise.all([stale, swiped]);
    expect(a.generation).toBe(b.generation);
    expect(a.items.map((i) => i.id)).not.toContain(first.items[0]!.id);
    expect(a.generation).toBeGreaterThan(first.generation);
  });

  it('configure() changes the next plan', async () => {
    const r = await ranker({ lookahead: { depth: 2, shortlist: 4 } });
    const before = await r.plan();
    await r.configure({ fusion: { kind: 'weighted-sum', weights: { cvr: 0, vtr: 0, sdr: 1 } }, lookahead: { depth: 3 } });
    const after = await r.plan();
    expect(after.items).toHaveLength(3);
    expect(after.items[0]!.score).not.toBeCloseTo(before.items[0]!.score, 6);
    expect((await rejection(r.configure({ lookahead: { depth: 99 } }))).code).toBe('LIMIT_EXCEEDED');
  });

  it('after dispose() every call rejects with DISPOSED', async () => {
    const r = await ranker();
    await r.dispose();
    for (const call of [r.plan(), r.ingest(good()), r.swipe({ id: 'c1', dwellMs: 1 }), r.info()]) {
      expect((await rejection(call)).code).toBe('DISPOSED');
    }
  });
});
