import type { PlanOptions } from '../types.js';
import type { CandidatePool } from './pool.js';
import { affinity, stopOdds } from './personalize.js';
import type { TopK } from './topk.js';

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

/** Relative slack on the bounds, far above rounding in the reward (a few ulps). */
const SLACK = 1e-9;

/**
 * Stage 1 for `moc` without personalising every candidate exactly. The reward of slot i is
 * `wCvr pc vp + wView (pv - pc)+` with `pc = 1 / (1 + oddsCvr * E)`, `pv = 1 / (1 + oddsVtr * E)`
 * and `E = exp(-shift)`. `|shift| <= |strength| |u|` (embeddings are unit or zero), so E lies in
 * `[exp(-S), exp(S)]`, and both probabilities rise with the shift: the reward is bounded by
 * taking each term at the end of that range that raises or lowers it. The bounds cost a few
 * divisions per slot, with no `exp`, so they are rebuilt on every plan for the exact `S`.
 * Needs `wCvr, wView >= 0`.
 *
 * Per-slot constants (`vp = value^gamma` and the two stop odds) are cached by pool version
 * and `gamma`; the exact reward uses the same values in the same order as `fuseReward`,
 * so its result is bit-for-bit the same.
 */
export class MocStage1 {
  private vp = new Float64Array(0);
  private oddsCvr = new Float64Array(0);
  private oddsVtr = new Float64Array(0);
  private hi = new Float64Array(0);
  private seeded = new Uint8Array(0);
  private seeds = new Int32Array(0);
  private readonly batch = new Int32Array(4);
  private readonly shift = new Float64Array(4);
  private pool: CandidatePool | null = null;
  private version = -1;
  private gamma = NaN;

  static applies(options: PlanOptions): boolean {
    const f = options.fusion;
    return f.kind === 'moc' && f.wCvr >= 0 && f.wView >= 0;
  }

  private refresh(pool: CandidatePool, gamma: number): void {
    if (this.pool === pool && this.version === pool.version && Object.is(this.gamma, gamma)) return;
    if (this.vp.length < pool.capacity) {
      this.vp = new Float64Array(pool.capacity);
      this.oddsCvr = new Float64Array(pool.capacity);
      this.oddsVtr = new Float64Array(pool.capacity);
      this.hi = new Float64Array(pool.capacity);
      this.seeded = new Uint8Array(pool.capacity);
    }
    for (let i = 0; i < pool.size; i++) {
      this.vp[i] = Math.pow(pool.value[i]!, gamma);
      this.oddsCvr[i] = stopOdds(pool.pCvr[i]!);
      this.oddsVtr[i] = stopOdds(pool.pVtr[i]!);
    }
    this.pool = pool;
    this.version = pool.version;
    this.gamma = gamma;
  }

  /**
   * Exact pCvr', pVtr', reward and score of the `n` slots in `batch`, as `fuseReward` and
   * `fuse` write them, each offered to `topk`. Four affinities are summed side by side: each
   * in its own order, as `affinity` sums it, but four chains of additions instead of one.
   */
  private scoreBatch(
    pool: CandidatePool, u: Float64Array, options: PlanOptions, out: FusedScores, w: number, n: number, topk: TopK,
  ): void {
    const { fusion, personalization: p } = options;
    const f = fusion as { wCvr: number; wView: number };
    const { batch, shift } = this;
    const dim = pool.dim;
    if (p !== false && dim > 0) {
      if (n === 4) {
        const e = pool.embedding;
        const o0 = batch[0]! * dim, o1 = batch[1]! * dim, o2 = batch[2]! * dim, o3 = batch[3]! * dim;
        let d0 = 0, d1 = 0, d2 = 0, d3 = 0;
        for (let k = 0; k < dim; k++) {
          const uk = u[k]!;
          d0 += uk * e[o0 + k]!;
          d1 += uk * e[o1 + k]!;
          d2 += uk * e[o2 + k]!;
          d3 += uk * e[o3 + k]!;
        }
        shift[0] = p.strength * d0; shift[1] = p.strength * d1; shift[2] = p.strength * d2; shift[3] = p.strength * d3;
      } else {
        for (let b = 0; b < n; b++) shift[b] = p.strength * affinity(u, pool.embedding, batch[b]! * dim);
      }
    }
    for (let b = 0; b < n; b++) {
      const i = batch[b]!;
      let pc: number, pv: number;
      if (p === false) {
        pc = pool.pCvr[i]!;
        pv = pool.pVtr[i]!;
      } else {
        const e = Math.exp(-(dim > 0 ? shift[b]! : 0));
        pc = 1 / (1 + this.oddsCvr[i]! * e);
        pv = 1 / (1 + this.oddsVtr[i]! * e);
      }
      out.pCvr[i] = pc;
      out.pVtr[i] = pv;
      const r = f.wCvr * pc * this.vp[i]! + f.wView * Math.max(0, pv - pc);
      out.reward[i] = r;
      topk.offer((out.score[i] = r + w * pool.pSdr[i]!), i);
    }
  }

  /** Scores the queued batch; returns the new queue length, 0. */
  private flush(pool: CandidatePool, u: Float64Array, options: PlanOptions, out: FusedScores, w: number, n: number, topk: TopK): number {
    if (n > 0) this.scoreBatch(pool, u, options, out, w, n, topk);
    return 0;
  }

  /**
   * Offers into `topk` (reset to `L`) the exact scores of every eligible slot that could make
   * the top `L`, writing `out` for those slots only. The `L` best unpersonalised scores are scored
   * first; their `L`-th best exact score is then a threshold that no slot whose upper bound
   * falls below it can pass (scores are compared after the same `+ w pSdr`, and rounding is
   * monotone). The kept set is that of scoring every slot: the heap keeps the best `L` by
   * score, then index, whatever the order of offers.
   */
  select(pool: CandidatePool, u: Float64Array, options: PlanOptions, L: number, topk: TopK, out: FusedScores): void {
    const { fusion, personalization: p } = options;
    const f = fusion as { wCvr: number; wView: number; wSwipe: number; gamma: number };
    const w = f.wSwipe, wCvr = f.wCvr, wView = f.wView;
    this.refresh(pool, f.gamma);
    let S = 0;
    if (p !== false && pool.dim > 0) {
      let u2 = 0;
      for (let d = 0; d < u.length; d++) u2 += u[d]! * u[d]!;
      S = Math.abs(p.strength) * Math.sqrt(u2) * (1 + SLACK) + 1e-12;
    }
    const eUp = Math.exp(S), eDown = Math.exp(-S);
    const { vp, oddsCvr, oddsVtr, hi, seeded } = this;
    const { pCvr, pVtr, pSdr, shown } = pool;
    topk.reset(L);
    for (let i = 0; i < pool.size; i++) {
      if (shown[i]) continue;
      const c = pCvr[i]!, v = pVtr[i]!, vpi = vp[i]!;
      let lc: number, hc: number, hv: number;
      if (p === false) {
        lc = hc = c;
        hv = v;
      } else {
        lc = 1 / (1 + oddsCvr[i]! * eUp);
        hc = 1 / (1 + oddsCvr[i]! * eDown);
        hv = 1 / (1 + oddsVtr[i]! * eDown);
      }
      // Absolute slack too: view-only is a difference, so its rounding is relative to pVtr.
      const up = wCvr * hc * vpi + wView * Math.max(0, hv - lc);
      hi[i] = up + SLACK * up + SLACK * (wCvr * vpi + wView);
      // Seeds by the unpersonalised score: a guess at the shortlist, not a bound.
      topk.offer(wCvr * c * vpi + wView * Math.max(0, v - c) + w * pSdr[i]!, i);
    }
    if (this.seeds.length < L) this.seeds = new Int32Array(L);
    const n = topk.drain(this.seeds);
    topk.reset(L);
    const batch = this.batch;
    let queued = 0;
    for (let k = 0; k < n; k++) {
      seeded[batch[queued++] = this.seeds[k]!] = 1;
      if (queued === 4) queued = this.flush(pool, u, options, out, w, queued, topk);
    }
    queued = this.flush(pool, u, options, out, w, queued, topk);
    // A threshold a batch old is lower, so still a valid one to skip by.
    let threshold = topk.threshold();
    for (let i = 0; i < pool.size; i++) {
      if (shown[i] || seeded[i] || hi[i]! + w * pSdr[i]! < threshold) continue;
      batch[queued++] = i;
      if (queued === 4) {
        queued = this.flush(pool, u, options, out, w, queued, topk);
        threshold = topk.threshold();
      }
    }
    this.flush(pool, u, options, out, w, queued, topk);
    for (let k = 0; k < n; k++) seeded[this.seeds[k]!] = 0;
  }
}
