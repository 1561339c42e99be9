import type { ResolvedOptions } from '../types.js';
import type { CandidatePool } from './pool.js';
import { affinity, shiftProbability } from './personalize.js';

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

/**
 * Personalises pCvr / pVtr with the interest state `u`, then computes the reward and
 * the fused score of every eligible candidate (docs/MODEL.md#reward-and-fusion).
 */
export function fuse(
  pool: CandidatePool, u: Float64Array, options: ResolvedOptions, out: FusedScores,
  scratch: { order: Int32Array; rank: Float64Array },
): void {
  const { fusion, personalization } = options;
  const dim = pool.dim;
  const strength = personalization === false ? 0 : personalization.strength;
  for (let i = 0; i < pool.size; i++) {
    if (pool.shown[i]) continue;
    if (personalization === false) {
      out.pCvr[i] = pool.pCvr[i]!;
      out.pVtr[i] = pool.pVtr[i]!;
    } else {
      const shift = dim > 0 ? strength * affinity(u, pool.embedding, i * dim) : 0;
      out.pCvr[i] = shiftProbability(pool.pCvr[i]!, shift);
      out.pVtr[i] = shiftProbability(pool.pVtr[i]!, shift);
    }
    out.reward[i] = mocReward(out.pCvr[i]!, out.pVtr[i]!, pool.value[i]!, fusion.wCvr, fusion.wView, fusion.gamma);
  }
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
