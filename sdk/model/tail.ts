import type { PlanOptions, ResolvedOptions } from '../types.js';
import { mocReward } from './fusion.js';
import type { CandidatePool } from './pool.js';
import { TopK } from './topk.js';

/**
 * `T`, the value of the rest of the session after a plan (docs/MODEL.md#the-tail-and-stage-1).
 *
 * `T = sum_{t=1..K} (prod_{s<t} q(j_s | j_{s-1})) r0_{j_t}`: the next `K = depth` items
 * after the plan (one more plan's worth), served in the order of the context-free index
 * `r0 / (1 - pSdr)` over the eligible pool, with the model's own continuation between
 * consecutive items (`q(j_1 | none) = pSdr_{j_1}`). Ties in the index go to the lower pool
 * index. Computed once per plan from what the engine holds, before either backend runs, so
 * both backends get the same number.
 *
 * `r0` is the unpersonalised reward (the server's scores through the MOC reward):
 * personalisation is a short-term, decaying shift of the next few items, not of the rest
 * of the session, and `T` must not depend on what only one backend computes.
 *
 * Per-slot `r0` and the index are cached by pool version and reward weights, so a plan
 * costs one pass over the eligible pool into a heap of `K`, then `K` continuations.
 */
export class SessionValue {
  private reward = new Float64Array(0);
  private index = new Float64Array(0);
  private cachedPool: CandidatePool | null = null;
  private cachedVersion = -1;
  private readonly cachedWeights = [NaN, NaN, NaN];
  private readonly topk = new TopK();
  private best = new Int32Array(0);

  private refresh(pool: CandidatePool, wCvr: number, wView: number, gamma: number): void {
    const w = this.cachedWeights;
    if (this.cachedPool === pool && this.cachedVersion === pool.version && w[0] === wCvr && w[1] === wView && w[2] === gamma) return;
    if (this.reward.length < pool.capacity) {
      this.reward = new Float64Array(pool.capacity);
      this.index = new Float64Array(pool.capacity);
    }
    for (let i = 0; i < pool.size; i++) {
      const r = mocReward(pool.pCvr[i]!, pool.pVtr[i]!, pool.value[i]!, wCvr, wView, gamma);
      this.reward[i] = r;
      // pSdr = 1 makes the index infinite: such an item leads the order, as it should.
      const stop = 1 - pool.pSdr[i]!;
      this.index[i] = stop > 0 ? r / stop : Number.MAX_VALUE;
    }
    this.cachedPool = pool;
    this.cachedVersion = pool.version;
    w[0] = wCvr; w[1] = wView; w[2] = gamma;
  }

  /** `T` for the eligible pool under the given reward weights, depth and continuation penalties. */
  estimate(pool: CandidatePool, options: Pick<ResolvedOptions, 'fusion' | 'lookahead'>): number {
    const { wCvr, wView, gamma } = options.fusion;
    const { depth, rho, phi } = options.lookahead;
    this.refresh(pool, wCvr, wView, gamma);
    const K = Math.min(depth, pool.eligibleCount);
    if (K === 0) return 0;
    if (this.best.length < K) this.best = new Int32Array(K);
    const topk = this.topk;
    topk.reset(K);
    for (let i = 0; i < pool.size; i++) if (!pool.shown[i]) topk.offer(this.index[i]!, i);
    const n = topk.drain(this.best);
    const best = this.best, reward = this.reward, dim = pool.dim;
    let value = 0, reach = 1;
    for (let t = 0; t < n; t++) {
      const j = best[t]!;
      value += reach * reward[j]!;
      if (t === 0) {
        reach *= pool.pSdr[j]!;
        continue;
      }
      // q(j | k): continuing after j, shown after k, the item before it in the order.
      const k = best[t - 1]!;
      let sim = 0;
      if (rho !== 0) for (let d = 0; d < dim; d++) sim += pool.embedding[j * dim + d]! * pool.embedding[k * dim + d]!;
      const same = pool.hasCategory[j] === 1 && pool.hasCategory[k] === 1 && pool.category[j] === pool.category[k];
      reach *= pool.pSdr[j]! * (1 - rho * Math.max(0, sim)) * (1 - (same ? phi : 0));
    }
    return value;
  }
}

/**
 * The options a backend plans with: `tail: 'auto'` and `fusion.wSwipe: 'auto'` replaced by
 * `T`, numeric values kept as given.
 */
export function planOptions(options: ResolvedOptions, T: number): PlanOptions {
  const { fusion, lookahead } = options;
  return {
    ...options,
    fusion: fusion.kind === 'moc' ? { ...fusion, wSwipe: fusion.wSwipe === 'auto' ? T : fusion.wSwipe } : fusion,
    lookahead: { ...lookahead, tail: lookahead.tail === 'auto' ? T : lookahead.tail },
  };
}

/** `options` with `'auto'` resolved by `value` over `pool`; numeric options pass through as they are. */
export function withSessionValue(value: SessionValue, pool: CandidatePool, options: ResolvedOptions | PlanOptions): PlanOptions {
  const o = options as ResolvedOptions;
  return needsSessionValue(o) ? planOptions(o, value.estimate(pool, o)) : options as PlanOptions;
}

/** True when the options name `'auto'` anywhere `T` stands in. */
function needsSessionValue(options: Pick<ResolvedOptions, 'fusion' | 'lookahead'>): boolean {
  return options.lookahead.tail === 'auto' || (options.fusion.kind === 'moc' && options.fusion.wSwipe === 'auto');
}
