import { describe, expect, it } from 'vitest';
import { createReranker } from '../index.js';
import { resolveOptions } from '../options.js';
import { randomRows, seededRandom } from '../testing/instances.js';
import { poolOf } from '../testing/pool.js';
import type { CandidateRow } from '../types.js';
import { CpuPlanner } from './planner.js';
import { planOptions, SessionValue } from './tail.js';
import { validateBatch } from './validate.js';

/**
 * The session value T written out from docs/MODEL.md, independently of the model code:
 * the best `depth` unshown rows by `r0 / (1 - pSdr)` (ties to the earlier row), in that
 * order, each reached with the product of the continuations before it.
 */
function oracleT(rows: CandidateRow[], dim: number, depth: number, rho: number, phi: number, shown = new Set<string>()): number {
  const unit = validateBatch(rows, dim).embedding;
  const items = rows.map((row, at) => {
    const r = row.pCvr * (row.value ?? 1) ** 0.5 + 0.25 * Math.max(0, row.pVtr - row.pCvr);
    return { row, at, r, index: row.pSdr < 1 ? r / (1 - row.pSdr) : Number.MAX_VALUE, e: unit.slice(at * dim, (at + 1) * dim) };
  }).filter((x) => !shown.has(x.row.id));
  items.sort((a, b) => b.index - a.index || a.at - b.at);
  const order = items.slice(0, depth);
  let value = 0, reach = 1;
  order.forEach((x, t) => {
    value += reach * x.r;
    let q = x.row.pSdr;
    if (t > 0) {
      const k = order[t - 1]!;
      let sim = 0;
      for (let d = 0; d < dim; d++) sim += x.e[d]! * k.e[d]!;
      const same = x.row.category !== undefined && x.row.category === k.row.category;
      q *= (1 - rho * Math.max(0, sim)) * (1 - (same ? phi : 0));
    }
    reach *= q;
  });
  return value;
}

describe('session value T (tail: auto)', () => {
  it('is the index-order value of the next depth items, against a written-out oracle, on 200 pools', () => {
    const value = new SessionValue();
    for (let seed = 1; seed <= 200; seed++) {
      const random = seededRandom(seed);
      const dim = [0, 4, 8][seed % 3]!;
      const rows = randomRows(random, { size: 1 + Math.floor(random() * 40), embeddingDim: dim, categories: seed % 4 });
      const depth = 1 + (seed % 8), rho = random(), phi = random();
      const pool = poolOf(rows, dim);
      const o = resolveOptions({ embeddingDim: dim, lookahead: { depth, rho, phi } });
      expect(value.estimate(pool, o), `seed ${seed}`).toBeCloseTo(oracleT(rows, dim, depth, rho, phi), 12);
    }
  });

  it('skips shown candidates and follows a changed pool', () => {
    const rows = randomRows(seededRandom(5), { size: 30, embeddingDim: 4 });
    const pool = poolOf(rows, 4);
    const o = resolveOptions({ embeddingDim: 4 });
    const value = new SessionValue();
    const before = value.estimate(pool, o);
    const shown = new Set([rows[3]!.id, rows[17]!.id, rows[20]!.id]);
    for (const id of shown) pool.markShown(pool.indexOf(id));
    const { depth, rho, phi } = o.lookahead;
    expect(value.estimate(pool, o)).toBeCloseTo(oracleT(rows, 4, depth, rho, phi, shown), 12);
    const changed = rows.map((r) => ({ ...r, pCvr: r.pCvr / 2 }));
    pool.apply(validateBatch(changed, 4), () => false);
    expect(value.estimate(pool, o)).toBeCloseTo(oracleT(changed, 4, depth, rho, phi, shown), 12);
    expect(value.estimate(pool, o)).toBeLessThan(before);
  });

  it('is 0 for an empty pool', () => {
    expect(new SessionValue().estimate(poolOf([], 0), resolveOptions({}))).toBe(0);
  });

  it("planOptions puts T where 'auto' stands and keeps numbers as given", () => {
    const auto = planOptions(resolveOptions({}), 1.5);
    expect(auto.lookahead.tail).toBe(1.5);
    expect(auto.fusion.kind === 'moc' && auto.fusion.wSwipe).toBe(1.5);
    const fixed = planOptions(resolveOptions({ fusion: { wSwipe: 0.05 }, lookahead: { tail: 0.2 } }), 1.5);
    expect(fixed.lookahead.tail).toBe(0.2);
    expect(fixed.fusion.kind === 'moc' && fixed.fusion.wSwipe).toBe(0.05);
  });

  it('through the API: the plan value uses T as its tail and each slot score is r + pSdr * T', async () => {
    const dim = 8;
    const rows = randomRows(seededRandom(11), { size: 120, embeddingDim: dim, categories: 5 });
    const ranker = await createReranker({ backend: 'cpu', worker: false, embeddingDim: dim, personalization: false });
    await ranker.ingest(rows);
    const { depth, rho, phi } = resolveOptions({}).lookahead;
    const T = oracleT(rows, dim, depth, rho, phi);
    const plan = await ranker.plan();
    let value = 0, reach = 1;
    for (const item of plan.items) {
      value += reach * item.reward;
      reach *= item.continueProb;
      const row = rows.find((r) => r.id === item.id)!;
      expect(item.score).toBeCloseTo(item.reward + row.pSdr * T, 12);
    }
    expect(plan.value).toBeCloseTo(value + reach * T, 12);
    // After a swipe, T is taken over what is left.
    const next = await ranker.swipe({ id: plan.items[0]!.id, dwellMs: 500 });
    const T2 = oracleT(rows, dim, depth, rho, phi, new Set([plan.items[0]!.id]));
    const row = rows.find((r) => r.id === next.items[0]!.id)!;
    expect(next.items[0]!.score).toBeCloseTo(next.items[0]!.reward + row.pSdr * T2, 12);
    await ranker.dispose();
  });
});

describe('stage 1 by reward bounds (moc)', () => {
  it('gives the shortlist of scoring every candidate, on 150 random instances with personalisation and shown items', () => {
    for (let seed = 1; seed <= 150; seed++) {
      const random = seededRandom(1000 + seed);
      const dim = [0, 3, 16][seed % 3]!;
      const size = 20 + Math.floor(random() * 300);
      const rows = randomRows(random, { size, embeddingDim: dim, categories: 6 });
      // Duplicate some rows under new ids: exact score ties must break the same way.
      for (let k = 0; k < 10; k++) rows.push({ ...rows[Math.floor(random() * rows.length)]!, id: `dup${k}` });
      const pool = poolOf(rows, dim);
      for (let i = 0; i < pool.size; i++) if (random() < 0.2) pool.markShown(i);
      const u = Float64Array.from({ length: dim }, () => (random() - 0.5) * 0.7);
      const options = resolveOptions({
        embeddingDim: dim,
        personalization: seed % 4 === 0 ? false : { strength: 3 * random() - 1 },
        fusion: { wSwipe: seed % 2 ? 'auto' : random() - 0.3 },
        lookahead: { shortlist: 4 + Math.floor(random() * 40) },
      });
      const planner = new CpuPlanner();
      const list = planner.shortlist(pool, u, options);
      const got = Array.from(list.poolIndex.subarray(0, list.length));
      // Every eligible slot scored, then the same tie rule: higher score, then lower index.
      const all = planner.scores.score;
      const eligible: number[] = [];
      for (let i = 0; i < pool.size; i++) if (!pool.shown[i]) eligible.push(i);
      eligible.sort((a, b) => all[b]! - all[a]! || a - b);
      expect(got, `seed ${seed}`).toEqual(eligible.slice(0, got.length));
      expect(got.length).toBe(Math.min(options.lookahead.shortlist, eligible.length));
    }
  });
});
