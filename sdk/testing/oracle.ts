/**
 * Test oracles: the exact optimum of stage 2 by exhaustive search, which beam search is
 * tested and evaluated against. Not part of the package (only tests and the eval import it).
 */
import type { PlanOptions, ResolvedOptions } from '../types.js';
import {
  continuationRow, describeSequence, type LastShown, type Sequence, type Shortlist,
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
