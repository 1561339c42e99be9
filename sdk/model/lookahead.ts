import type { PlanOptions } from '../types.js';
import { TopK } from './topk.js';

/** The last shown item `i_0`, kept apart from the pool because the pool may drop it. */
export interface LastShown {
  embedding: Float64Array;
  category: number;
  hasCategory: boolean;
}

/** Stage-2 input: the shortlisted candidates, in stage-1 order, with what continuation needs. */
export interface Shortlist {
  length: number;
  dim: number;
  /** Pool index of each shortlisted candidate. */
  poolIndex: Int32Array;
  reward: Float64Array;
  pSdr: Float64Array;
  /** `length * dim`, row-major. */
  embedding: Float64Array;
  category: Uint32Array;
  hasCategory: Uint8Array;
}

export function allocateShortlist(capacity: number, dim: number): Shortlist {
  return {
    length: 0, dim,
    poolIndex: new Int32Array(capacity),
    reward: new Float64Array(capacity),
    pSdr: new Float64Array(capacity),
    embedding: new Float64Array(capacity * dim),
    category: new Uint32Array(capacity),
    hasCategory: new Uint8Array(capacity),
  };
}

/** The best sequence found, as shortlist positions, with the terms of its value. */
export interface Sequence {
  /** Shortlist positions, first to show first. */
  items: number[];
  /** `q_t` of each item after the one before it. */
  continueProb: number[];
  /** `reach_t`, starting at 1. */
  reach: number[];
  /** `sum_t reach_t r_t + reach_{depth+1} tail`. */
  value: number;
}

/** Look-ahead options with the tail resolved to a number (the engine's `T`, or as given). */
type Lookahead = PlanOptions['lookahead'];

/**
 * `q(j | k) = pSdr_j (1 - rho max(0, e_j.e_k)) (1 - phi [cat_j == cat_k])` for every
 * shortlisted j, into `out`. `k` is a shortlist position, or -1 for the last shown item
 * (`last`, none at session start: no penalty).
 */
export function continuationRow(
  list: Shortlist, k: number, last: LastShown | null, rho: number, phi: number, out: Float64Array,
): void {
  for (let j = 0; j < list.length; j++) out[j] = continuation(list, k, last, rho, phi, j);
}

/** `q(j | k)` of one shortlisted j: one entry of `continuationRow`, the same number. */
export function continuation(list: Shortlist, k: number, last: LastShown | null, rho: number, phi: number, j: number): number {
  if (k < 0 && last === null) return list.pSdr[j]!;
  const dim = list.dim;
  const ke = k < 0 ? last!.embedding : list.embedding;
  const kOffset = k < 0 ? 0 : k * dim;
  const kHasCat = k < 0 ? last!.hasCategory : list.hasCategory[k] === 1;
  const kCat = k < 0 ? last!.category : list.category[k]!;
  let sim = 0;
  if (rho !== 0) {
    const e = list.embedding, jOffset = j * dim;
    for (let d = 0; d < dim; d++) sim += e[jOffset + d]! * ke[kOffset + d]!;
  }
  const sameCat = kHasCat && list.hasCategory[j] === 1 && list.category[j] === kCat;
  return list.pSdr[j]! * (1 - rho * Math.max(0, sim)) * (1 - (sameCat ? phi : 0));
}

/**
 * Reach, continuation and value of a given sequence; `rowOf(k)` is the continuation
 * row after shortlist position k (-1: after the last shown item).
 */
export function describeSequence(
  list: Shortlist, rowOf: (k: number) => Float64Array, items: number[], tail: number,
): Sequence {
  const continueProb: number[] = [];
  const reach: number[] = [];
  let value = 0, r = 1, prev = -1;
  for (const c of items) {
    reach.push(r);
    value += r * list.reward[c]!;
    const q = rowOf(prev)[c]!;
    continueProb.push(q);
    r *= q;
    prev = c;
  }
  return { items, continueProb, reach, value: value + r * tail };
}

/**
 * Stage 2: beam search over sequences of `depth` distinct shortlisted items. After each
 * step it keeps the best `beamWidth` partial sequences by `V + reach_next * tail`, ties to
 * the lower flattened index `beam * shortlist + candidate`. Scratch memory is reused.
 */
export class BeamSearch {
  private readonly topk = new TopK();
  /** `q(c | k)` by row `k + 1` (row 0: after the last shown item), NaN until computed. */
  private rows = new Float64Array(0);
  private used = new Uint8Array(0);
  private selected = new Int32Array(0);
  private seq = new Int32Array(0);
  private nextSeq = new Int32Array(0);
  private value = new Float64Array(0);
  private nextValue = new Float64Array(0);
  private reach = new Float64Array(0);
  private nextReach = new Float64Array(0);
  private lastItem = new Int32Array(0);
  private nextLast = new Int32Array(0);

  private ensure(L: number, W: number, depth: number): void {
    if (this.rows.length < (L + 1) * L) this.rows = new Float64Array((L + 1) * L);
    if (this.used.length < L) this.used = new Uint8Array(L);
    if (this.selected.length < W) {
      this.selected = new Int32Array(W);
      for (const key of ['value', 'nextValue', 'reach', 'nextReach'] as const) this[key] = new Float64Array(W);
      this.lastItem = new Int32Array(W);
      this.nextLast = new Int32Array(W);
    }
    if (this.seq.length < W * depth) {
      this.seq = new Int32Array(W * depth);
      this.nextSeq = new Int32Array(W * depth);
    }
  }

  /** `q(c | k)`, computed on first use: most entries are never needed. */
  private q(list: Shortlist, k: number, c: number, last: LastShown | null, o: Lookahead): number {
    const at = (k + 1) * list.length + c;
    let q = this.rows[at]!;
    if (q !== q) q = this.rows[at] = continuation(list, k, last, o.rho, o.phi, c);
    return q;
  }

  search(list: Shortlist, last: LastShown | null, o: Lookahead): Sequence {
    const L = list.length;
    const depth = Math.min(o.depth, L);
    const W = o.beamWidth;
    const tail = o.tail;
    if (depth === 0) return { items: [], continueProb: [], reach: [], value: tail };
    this.ensure(L, W, depth);
    this.rows.fill(NaN, 0, (L + 1) * L);

    let beams = 1;
    this.value[0] = 0;
    this.reach[0] = 1;
    this.lastItem[0] = -1;
    const topk = this.topk;
    const reward = list.reward, pSdr = list.pSdr, used = this.used;
    for (let t = 0; t < depth; t++) {
      topk.reset(W);
      for (let b = 0; b < beams; b++) {
        for (let s = 0; s < t; s++) used[this.seq[b * depth + s]!] = 1;
        const k = this.lastItem[b]!;
        const vb = this.value[b]!, rb = this.reach[b]!;
        // q <= pSdr (rho, phi in [0, 1]), so with rb, tail >= 0 an offer is at most its value
        // at q = pSdr, rounding included: a candidate whose bound cannot enter is skipped
        // without computing its q.
        const bounded = rb >= 0 && tail >= 0;
        for (let c = 0; c < L; c++) {
          if (used[c]) continue;
          const head = vb + rb * reward[c]!;
          if (bounded && head + rb * pSdr[c]! * tail < topk.threshold()) continue;
          topk.offer(head + rb * this.q(list, k, c, last, o) * tail, b * L + c);
        }
        for (let s = 0; s < t; s++) used[this.seq[b * depth + s]!] = 0;
      }
      const kept = topk.drain(this.selected);
      for (let n = 0; n < kept; n++) {
        const f = this.selected[n]!;
        const b = Math.floor(f / L), c = f - b * L;
        const q = this.q(list, this.lastItem[b]!, c, last, o);
        for (let s = 0; s < t; s++) this.nextSeq[n * depth + s] = this.seq[b * depth + s]!;
        this.nextSeq[n * depth + t] = c;
        this.nextValue[n] = this.value[b]! + this.reach[b]! * reward[c]!;
        this.nextReach[n] = this.reach[b]! * q;
        this.nextLast[n] = c;
      }
      beams = kept;
      [this.seq, this.nextSeq] = [this.nextSeq, this.seq];
      [this.value, this.nextValue] = [this.nextValue, this.value];
      [this.reach, this.nextReach] = [this.nextReach, this.reach];
      [this.lastItem, this.nextLast] = [this.nextLast, this.lastItem];
    }
    const items = Array.from(this.seq.subarray(0, depth));
    // Every consecutive pair of the best sequence was offered, so its entries are computed.
    return describeSequence(list, (k) => this.rows.subarray((k + 1) * L, (k + 2) * L), items, tail);
  }
}
