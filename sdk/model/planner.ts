import type { ResolvedOptions } from '../types.js';
import { allocateFused, fuse, type FusedScores } from './fusion.js';
import { allocateShortlist, BeamSearch, type LastShown, type Sequence, type Shortlist } from './lookahead.js';
import type { CandidatePool } from './pool.js';
import { TopK } from './topk.js';

/** A plan in pool indices: what a backend returns and the engine turns into ids. */
export interface PlanResult {
  poolIndex: number[];
  score: number[];
  reward: number[];
  continueProb: number[];
  reach: number[];
  value: number;
}

/**
 * The exact CPU path of docs/MODEL.md: personalise and fuse the pool, take the stage-1
 * shortlist, beam-search stage 2. Holds its scratch memory between plans.
 */
export class CpuPlanner {
  private fused: FusedScores = allocateFused(0);
  private order = new Int32Array(0);
  private rank = new Float64Array(0);
  private list: Shortlist = allocateShortlist(0, 0);
  private readonly topk = new TopK();
  private readonly beam = new BeamSearch();

  /** Fused scores of the last plan, by pool index (eligible slots only). */
  get scores(): Readonly<FusedScores> {
    return this.fused;
  }

  /** Stage 1 and the data stage 2 needs, without searching. */
  shortlist(pool: CandidatePool, u: Float64Array, options: ResolvedOptions): Shortlist {
    if (this.fused.score.length < pool.capacity) {
      this.fused = allocateFused(pool.capacity);
      this.order = new Int32Array(pool.capacity);
      this.rank = new Float64Array(pool.capacity);
    }
    fuse(pool, u, options, this.fused, { order: this.order, rank: this.rank });

    const L = Math.min(options.lookahead.shortlist, pool.eligibleCount);
    if (this.list.poolIndex.length < L || this.list.dim !== pool.dim) {
      this.list = allocateShortlist(Math.max(L, options.lookahead.shortlist), pool.dim);
    }
    const list = this.list;
    this.topk.reset(L);
    const s = this.fused.score;
    for (let i = 0; i < pool.size; i++) if (!pool.shown[i]) this.topk.offer(s[i]!, i);
    list.length = this.topk.drain(list.poolIndex);
    const dim = pool.dim;
    for (let c = 0; c < list.length; c++) {
      const i = list.poolIndex[c]!;
      list.reward[c] = this.fused.reward[i]!;
      list.pSdr[c] = pool.pSdr[i]!;
      list.category[c] = pool.category[i]!;
      list.hasCategory[c] = pool.hasCategory[i]!;
      list.embedding.set(pool.embedding.subarray(i * dim, (i + 1) * dim), c * dim);
    }
    return list;
  }

  plan(pool: CandidatePool, u: Float64Array, last: LastShown | null, options: ResolvedOptions): PlanResult {
    const list = this.shortlist(pool, u, options);
    return this.toResult(list, this.beam.search(list, last, options.lookahead));
  }

  /** The plan of a sequence searched on the current shortlist (beam search here; the tests' oracle too). */
  toResult(list: Shortlist, seq: Sequence): PlanResult {
    const poolIndex = seq.items.map((c) => list.poolIndex[c]!);
    return {
      poolIndex,
      score: poolIndex.map((i) => this.fused.score[i]!),
      reward: seq.items.map((c) => list.reward[c]!),
      continueProb: seq.continueProb,
      reach: seq.reach,
      value: seq.value,
    };
  }
}
