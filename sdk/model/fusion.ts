import type { PlanOptions } from '../types.js';
import type { CandidatePool } from './pool.js';
import { affinity, clampedLogit, stopOdds } from './personalize.js';

/** Per-pool-slot results of personalisation and fusion; only eligible slots are written. */
export interface FusedScores {
  /** Personalised pCvr'. */
  pCvr: Float64Array;
  /** Personalised pVtr'. */
  pVtr: Float64Array;
  /** Immediate reward r_i. */
  reward: Float64Array;
  /** Fused slot score s_i. */
  score: Float64Array;
}

export function allocateFused(capacity: number): FusedScores {
  return {
    pCvr: new Float64Array(capacity),
    pVtr: new Float64Array(capacity),
    reward: new Float64Array(capacity),
    score: new Float64Array(capacity),
  };
}

/** MOC reward: `wCvr * buy * value^gamma + wView * viewOnly`, with buy and view-only exclusive. */
export function mocReward(pCvr: number, pVtr: number, value: number, wCvr: number, wView: number, gamma: number): number {
  const viewOnly = Math.max(0, pVtr - pCvr);
  return wCvr * pCvr * Math.pow(value, gamma) + wView * viewOnly;
}

/** 1-based ranks of the eligible slots by `p` descending, ties by pool index, into `out`. */
function rankBy(p: Float64Array, order: Int32Array, n: number, out: Float64Array): void {
  const view = order.subarray(0, n);
  view.sort((a, b) => p[b]! - p[a]! || a - b);
  for (let r = 0; r < n; r++) out[view[r]!] = r + 1;
}

/** Personalised pCvr' / pVtr' and the reward `r_i` of pool slot `i`, into `out`. */
export function fuseReward(pool: CandidatePool, u: Float64Array, options: PlanOptions, out: FusedScores, i: number): void {
  const { fusion, personalization } = options;
  if (personalization === false) {
    out.pCvr[i] = pool.pCvr[i]!;
    out.pVtr[i] = pool.pVtr[i]!;
  } else {
    const dim = pool.dim;
    const shift = dim > 0 ? personalization.strength * affinity(u, pool.embedding, i * dim) : 0;
    // sigmoid(logit(clamp(p)) + shift) = 1 / (1 + odds * exp(-shift)): one exp for both.
    const e = Math.exp(-shift);
    out.pCvr[i] = 1 / (1 + stopOdds(pool.pCvr[i]!) * e);
    out.pVtr[i] = 1 / (1 + stopOdds(pool.pVtr[i]!) * e);
  }
  out.reward[i] = mocReward(out.pCvr[i]!, out.pVtr[i]!, pool.value[i]!, fusion.wCvr, fusion.wView, fusion.gamma);
}

/**
 * Personalises pCvr / pVtr with the interest state `u`, then computes the reward and
 * the fused score of every eligible candidate (docs/MODEL.md#reward-and-fusion).
 */
export function fuse(
  pool: CandidatePool, u: Float64Array, options: PlanOptions, out: FusedScores,
  scratch: { order: Int32Array; rank: Float64Array },
): void {
  const { fusion } = options;
  for (let i = 0; i < pool.size; i++) if (!pool.shown[i]) fuseReward(pool, u, options, out, i);
  if (fusion.kind === 'moc') {
    for (let i = 0; i < pool.size; i++) {
      if (!pool.shown[i]) out.score[i] = out.reward[i]! + fusion.wSwipe * pool.pSdr[i]!;
    }
    return;
  }
  const { weights: w, alpha: a, beta: b } = fusion;
  if (fusion.kind === 'weighted-sum') {
    for (let i = 0; i < pool.size; i++) {
      if (!pool.shown[i]) out.score[i] = w.cvr * out.pCvr[i]! + w.vtr * out.pVtr[i]! + w.sdr * pool.pSdr[i]!;
    }
    return;
  }
  if (fusion.kind === 'product') {
    for (let i = 0; i < pool.size; i++) {
      if (pool.shown[i]) continue;
      out.score[i] = Math.pow(1 + w.cvr * out.pCvr[i]!, a.cvr)
        * Math.pow(1 + w.vtr * out.pVtr[i]!, a.vtr)
        * Math.pow(1 + w.sdr * pool.pSdr[i]!, a.sdr);
    }
    return;
  }
  // rank: sum_k w_k / (rank_k ^ alpha_k + beta_k) over the eligible pool.
  let n = 0;
  for (let i = 0; i < pool.size; i++) if (!pool.shown[i]) scratch.order[n++] = i;
  for (let j = 0; j < n; j++) out.score[scratch.order[j]!] = 0;
  const objectives: [Float64Array, number, number, number][] = [
    [out.pCvr, w.cvr, a.cvr, b.cvr], [out.pVtr, w.vtr, a.vtr, b.vtr], [pool.pSdr, w.sdr, a.sdr, b.sdr],
  ];
  for (const [p, wk, ak, bk] of objectives) {
    rankBy(p, scratch.order, n, scratch.rank);
    for (let j = 0; j < n; j++) {
      const i = scratch.order[j]!;
      out.score[i] = out.score[i]! + wk / (Math.pow(scratch.rank[i]!, ak) + bk);
    }
  }
}

const sigmoid = (x: number) => 1 / (1 + Math.exp(-x));
/** Relative slack on the bounds, far above rounding in the reward (a few ulps). */
const SLACK = 1e-9;

/**
 * Per-slot bounds of the MOC reward over every personalisation shift `|s| <= |strength|`
 * (`|u| <= 1` and embeddings are unit or zero, so `|strength * u.e| <= |strength|`):
 * `r(s) = wCvr sigma(Lc + s) v^gamma + wView (sigma(Lv + s) - sigma(Lc + s))+` is bounded by
 * taking `Lc`, `Lv` at `+-strength` in the direction that raises or lowers each term. Cached
 * until the pool, the strength or the reward weights change. Needs `wCvr, wView >= 0`.
 */
export class RewardBounds {
  lo = new Float64Array(0);
  hi = new Float64Array(0);
  private pool: CandidatePool | null = null;
  private version = -1;
  private readonly key = [NaN, NaN, NaN, NaN];

  static applies(options: PlanOptions): boolean {
    const f = options.fusion;
    return f.kind === 'moc' && f.wCvr >= 0 && f.wView >= 0;
  }

  refresh(pool: CandidatePool, u: Float64Array, options: PlanOptions): void {
    const { fusion: f, personalization: p } = options;
    let u2 = 0;
    for (let d = 0; d < u.length; d++) u2 += u[d]! * u[d]!;
    // Rounded up to a multiple of 1/2, so the bounds are rebuilt only when the reach of the
    // shift moves that far, not on every swipe (looser bounds stay valid bounds).
    const S = p === false || pool.dim === 0 ? 0 : Math.ceil(2 * Math.abs(p.strength) * Math.max(1, Math.sqrt(u2))) / 2;
    const k = this.key;
    if (this.pool === pool && this.version === pool.version && k[0] === S && k[1] === f.wCvr && k[2] === f.wView && k[3] === f.gamma) return;
    if (this.lo.length < pool.capacity) {
      this.lo = new Float64Array(pool.capacity);
      this.hi = new Float64Array(pool.capacity);
    }
    for (let i = 0; i < pool.size; i++) {
      const vp = Math.pow(pool.value[i]!, f.gamma);
      // Without personalisation the reward uses the raw probabilities, unclamped.
      const lc = p === false ? pool.pCvr[i]! : sigmoid(clampedLogit(pool.pCvr[i]!) - S);
      const hc = p === false ? pool.pCvr[i]! : sigmoid(clampedLogit(pool.pCvr[i]!) + S);
      const lv = p === false ? pool.pVtr[i]! : sigmoid(clampedLogit(pool.pVtr[i]!) - S);
      const hv = p === false ? pool.pVtr[i]! : sigmoid(clampedLogit(pool.pVtr[i]!) + S);
      const lo = f.wCvr * lc * vp + f.wView * Math.max(0, lv - hc);
      const hi = f.wCvr * hc * vp + f.wView * Math.max(0, hv - lc);
      this.lo[i] = lo - SLACK * Math.abs(lo);
      this.hi[i] = hi + SLACK * Math.abs(hi);
    }
    this.pool = pool;
    this.version = pool.version;
    k[0] = S; k[1] = f.wCvr; k[2] = f.wView; k[3] = f.gamma;
  }
}
