/**
 * Test oracles: the exact optimum of stage 2 by exhaustive search, which beam search is
 * tested and evaluated against. Not part of the package (only tests and the eval import it).
 */
import type { PlanOptions, ResolvedOptions } from '../types.js';
import { allocateFused, fuse } from '../model/fusion.js';
import {
  allocateShortlist, continuationRow, describeSequence, type LastShown, type Sequence, type Shortlist,
} from '../model/lookahead.js';
import type { CpuPlanner, PlanResult } from '../model/planner.js';
import type { CandidatePool } from '../model/pool.js';

/**
 * The exact optimum over all ordered sequences of `min(depth, shortlist)` distinct items,
 * by exhaustive search: the oracle beam search is tested against. Ties keep the first
 * sequence in lexicographic order.
 */
export function exhaustiveSearch(list: Shortlist, last: LastShown | null, o: PlanOptions['lookahead']): Sequence {
  const L = list.length;
  const depth = Math.min(o.depth, L);
  const tail = o.tail;
  const rows: Float64Array[] = [];
  for (let k = -1; k < L; k++) {
    const r = new Float64Array(L);
    continuationRow(list, k, last, o.rho, o.phi, r);
    rows.push(r);
  }
  const used = new Uint8Array(L);
  const path: number[] = [];
  let best: number[] = [];
  let bestValue = -Infinity;
  const visit = (t: number, value: number, reach: number, prev: number): void => {
    if (t === depth) {
      const total = value + reach * tail;
      if (total > bestValue) {
        bestValue = total;
        best = path.slice();
      }
      return;
    }
    const q = rows[prev + 1]!;
    for (let c = 0; c < L; c++) {
      if (used[c]) continue;
      used[c] = 1;
      path.push(c);
      visit(t + 1, value + reach * list.reward[c]!, reach * q[c]!, c);
      path.pop();
      used[c] = 0;
    }
  };
  visit(0, 0, 1, -1);
  return describeSequence(list, (k) => rows[k + 1]!, best, tail);
}

/** `planner.plan` with stage 2 searched exhaustively: the optimal plan of the same shortlist. */
export function planExhaustive(
  planner: CpuPlanner, pool: CandidatePool, u: Float64Array, last: LastShown | null, given: ResolvedOptions | PlanOptions,
): PlanResult {
  const options = planner.resolve(pool, given);
  const list = planner.shortlist(pool, u, options);
  return planner.toResult(list, exhaustiveSearch(list, last, options.lookahead));
}

/**
 * The plan of the CPU path written plainly: every eligible slot fused, the shortlist by a
 * full sort, and a beam that scores every extension of every beam with whole continuation
 * rows. Same tie rules as the planner (score, then pool index; score, then flattened index),
 * so the planner's pruned path must return exactly this plan, bit for bit.
 */
export function planReference(
  pool: CandidatePool, u: Float64Array, last: LastShown | null, options: PlanOptions,
): PlanResult {
  const fused = allocateFused(pool.capacity);
  fuse(pool, u, options, fused, { order: new Int32Array(pool.capacity), rank: new Float64Array(pool.capacity) });
  const eligible = Array.from({ length: pool.size }, (_, i) => i).filter((i) => !pool.shown[i]);
  eligible.sort((a, b) => fused.score[b]! - fused.score[a]! || a - b);
  const picked = eligible.slice(0, options.lookahead.shortlist);
  const dim = pool.dim;
  const list = allocateShortlist(picked.length, dim);
  list.length = picked.length;
  picked.forEach((i, c) => {
    list.poolIndex[c] = i;
    list.reward[c] = fused.reward[i]!;
    list.pSdr[c] = pool.pSdr[i]!;
    list.category[c] = pool.category[i]!;
    list.hasCategory[c] = pool.hasCategory[i]!;
    list.embedding.set(pool.embedding.subarray(i * dim, (i + 1) * dim), c * dim);
  });
  const o = options.lookahead, L = list.length, depth = Math.min(o.depth, L);
  const rows = Array.from({ length: L + 1 }, (_, k) => {
    const r = new Float64Array(L);
    continuationRow(list, k - 1, last, o.rho, o.phi, r);
    return r;
  });
  let beams = [{ items: [] as number[], value: 0, reach: 1 }];
  for (let t = 0; t < depth; t++) {
    const offers: { b: number; c: number; score: number }[] = [];
    beams.forEach((beam, b) => {
      const q = rows[(beam.items.at(-1) ?? -1) + 1]!;
      for (let c = 0; c < L; c++) {
        if (beam.items.includes(c)) continue;
        offers.push({ b, c, score: beam.value + beam.reach * list.reward[c]! + beam.reach * q[c]! * o.tail });
      }
    });
    offers.sort((x, y) => y.score - x.score || (x.b * L + x.c) - (y.b * L + y.c));
    beams = offers.slice(0, o.beamWidth).map(({ b, c }) => {
      const beam = beams[b]!;
      const q = rows[(beam.items.at(-1) ?? -1) + 1]![c]!;
      return { items: [...beam.items, c], value: beam.value + beam.reach * list.reward[c]!, reach: beam.reach * q };
    });
  }
  const seq = describeSequence(list, (k) => rows[k + 1]!, beams[0]?.items ?? [], o.tail);
  const poolIndex = seq.items.map((c) => list.poolIndex[c]!);
  return {
    poolIndex, score: poolIndex.map((i) => fused.score[i]!), reward: seq.items.map((c) => list.reward[c]!),
    continueProb: seq.continueProb, reach: seq.reach, value: seq.value,
  };
}
