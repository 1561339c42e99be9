import { describe, expect, it } from 'vitest';
import { createReranker } from '../index.js';
import { resolveOptions } from '../options.js';
import { randomRows, seededRandom } from '../testing/instances.js';
import { exhaustiveSearch } from '../testing/oracle.js';
import { poolOf } from '../testing/pool.js';
import type { CandidateRow, PlanOptions } from '../types.js';
import { BeamSearch, type LastShown } from './lookahead.js';
import { CpuPlanner } from './planner.js';
import { validateBatch } from './validate.js';

/** MOC reward written out from docs/MODEL.md#reward-and-fusion, independently of the model code. */
function reward(row: CandidateRow, wCvr: number, wView: number, gamma: number): number {
  return wCvr * row.pCvr * (row.value ?? 1) ** gamma + wView * Math.max(0, row.pVtr - row.pCvr);
}

describe('index rule (rho = phi = 0)', () => {
  const fusion = { kind: 'moc' as const, wCvr: 1, wView: 0.25, wSwipe: 0.05, gamma: 0.5 };
  const byIndexRule = (rows: CandidateRow[]) => rows
    .map((row) => ({ id: row.id, index: reward(row, 1, 0.25, 0.5) / (1 - row.pSdr) }))
    .sort((a, b) => b.index - a.index)
    .map((r) => r.id);

  it('through the API, a full-length plan (n <= 4, beamWidth 64 keeps every partial) is the index-rule order', async () => {
    for (let seed = 1; seed <= 60; seed++) {
      const n = 1 + (seed % 4);
      const rows = randomRows(seededRandom(seed), { size: n, embeddingDim: 4, idPrefix: `s${seed}_` });
      const ranker = await createReranker({
        backend: 'cpu', worker: false, embeddingDim: 4, personalization: false, fusion,
        lookahead: { depth: n, shortlist: n, beamWidth: 64, rho: 0, phi: 0, tail: seed % 2 ? 0 : 'auto' },
      });
      await ranker.ingest(rows);
      const plan = await ranker.plan();
      expect(plan.items.map((i) => i.id), `seed ${seed}`).toEqual(byIndexRule(rows));
    }
  });

  it('beam search wide enough to keep every partial sequence finds the index-rule order of 7 items', () => {
    const beam = new BeamSearch();
    for (let seed = 200; seed < 240; seed++) {
      const rows = randomRows(seededRandom(seed), { size: 7, embeddingDim: 0, idPrefix: `t${seed}_` });
      const pool = poolOf(rows, 0);
      const planner = new CpuPlanner();
      const options = planner.resolve(pool, resolveOptions({
        personalization: false, fusion, lookahead: { depth: 7, shortlist: 7, rho: 0, phi: 0, tail: 0 },
      }));
      const list = planner.shortlist(pool, new Float64Array(0), options);
      const found = beam.search(list, null, { ...options.lookahead, beamWidth: 5040 });
      const ids = found.items.map((c) => pool.ids[list.poolIndex[c]!]);
      expect(ids, `seed ${seed}`).toEqual(byIndexRule(rows));
    }
  });

  it('the optimal plan of 4 out of 10 lists its items in index-rule order', () => {
    const beam = new BeamSearch();
    for (let seed = 300; seed < 340; seed++) {
      const rows = randomRows(seededRandom(seed), { size: 10, embeddingDim: 0, idPrefix: `u${seed}_` });
      const pool = poolOf(rows, 0);
      const planner = new CpuPlanner();
      const options = planner.resolve(pool, resolveOptions({
        personalization: false, fusion, lookahead: { depth: 4, shortlist: 10, rho: 0, phi: 0, tail: 'auto' },
      }));
      const list = planner.shortlist(pool, new Float64Array(0), options);
      const found = beam.search(list, null, { ...options.lookahead, beamWidth: 720 });
      const ids = found.items.map((c) => pool.ids[list.poolIndex[c]!]!);
      expect(ids, `seed ${seed}`).toEqual(byIndexRule(rows).filter((id) => ids.includes(id)));
      expect(found.value).toBeCloseTo(exhaustiveSearch(list, null, options.lookahead).value, 12);
    }
  });
});

describe('beam search against exhaustive search (shortlist 10, depth 4)', () => {
  const dim = 8;
  function instance(seed: number) {
    const random = seededRandom(seed);
    const given = resolveOptions({
      embeddingDim: dim,
      lookahead: { depth: 4, shortlist: 10, rho: random(), phi: random(), tail: seed % 3 === 0 ? 0.05 : 'auto' },
    });
    const pool = poolOf(randomRows(random, { size: 30, embeddingDim: dim, categories: 3 }), dim);
    const options = new CpuPlanner().resolve(pool, given);
    const u = Float64Array.from({ length: dim }, () => (random() - 0.5) * 0.6);
    const last: LastShown | null = seed % 2 ? null : {
      embedding: Float64Array.from(validateBatch(randomRows(random, { size: 1, embeddingDim: dim }), dim).embedding),
      category: 1, hasCategory: true,
    };
    const list = new CpuPlanner().shortlist(pool, u, options);
    return { list, last, lookahead: options.lookahead };
  }
  const search = (beamWidth: number, lookahead: PlanOptions['lookahead']) => ({ ...lookahead, beamWidth });

  it('with beamWidth 720 (every partial sequence kept) the value equals the optimum to 1e-9, on 200 instances', () => {
    const beam = new BeamSearch();
    for (let seed = 1; seed <= 200; seed++) {
      const { list, last, lookahead } = instance(seed);
      expect(list.length).toBe(10);
      const exact = exhaustiveSearch(list, last, lookahead);
      const found = beam.search(list, last, search(10 * 9 * 8, lookahead));
      expect(Math.abs(found.value - exact.value), `seed ${seed}`).toBeLessThan(1e-9);
      expect(found.items).toEqual(exact.items);
    }
  });

  it('with beamWidth 8 the gap to the optimum is small (reported for widths 1 to 64)', () => {
    const beam = new BeamSearch();
    const widths = [1, 2, 4, 8, 16, 64];
    const gaps = new Map(widths.map((w) => [w, [] as number[]]));
    for (let seed = 1; seed <= 500; seed++) {
      const { list, last, lookahead } = instance(seed);
      const exact = exhaustiveSearch(list, last, lookahead).value;
      for (const w of widths) {
        const found = beam.search(list, last, search(w, lookahead)).value;
        expect(found).toBeLessThanOrEqual(exact + 1e-12);
        gaps.get(w)!.push((exact - found) / exact);
      }
    }
    const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
    for (const w of widths) {
      const g = gaps.get(w)!;
      console.log(`beamWidth ${String(w).padStart(2)} vs exhaustive, ${g.length} instances: mean gap `
        + `${(mean(g) * 100).toFixed(3)}%, max ${(Math.max(...g) * 100).toFixed(2)}%, `
        + `optimal in ${(g.filter((x) => x < 1e-12).length / g.length * 100).toFixed(1)}%`);
    }
    expect(mean(gaps.get(8)!)).toBeLessThan(0.02);
    expect(mean(gaps.get(8)!)).toBeLessThan(mean(gaps.get(1)!) / 2);
    expect(mean(gaps.get(64)!)).toBeLessThan(mean(gaps.get(8)!));
  });

  it('the value of a plan is sum_t reach_t r_t + reach_{depth+1} tail, with reach_{t+1} = reach_t q_t', async () => {
    const rows = randomRows(seededRandom(7), { size: 50, embeddingDim: dim });
    const ranker = await createReranker({ backend: 'cpu', worker: false, embeddingDim: dim, lookahead: { tail: 0.07 } });
    await ranker.ingest(rows);
    const plan = await ranker.plan();
    let value = 0, reach = 1;
    for (const item of plan.items) {
      expect(item.reach).toBeCloseTo(reach, 12);
      value += reach * item.reward;
      reach *= item.continueProb;
    }
    expect(plan.value).toBeCloseTo(value + reach * 0.07, 12);
    expect(plan.items).toHaveLength(4);
  });
});
