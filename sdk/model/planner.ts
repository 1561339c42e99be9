import type { PlanOptions, ResolvedOptions } from '../types.js';
import { allocateFused, fuse, MocStage1, type FusedScores } from './fusion.js';
import { allocateShortlist, BeamSearch, type LastShown, type Sequence, type Shortlist } from './lookahead.js';
import type { CandidatePool } from './pool.js';
import { SessionValue, withSessionValue } from './tail.js';
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
  private readonly sessionValue = new SessionValue();

  /**
   * `options` with `'auto'` resolved to the session value `T` of `pool`. The engine does this
   * once per plan for every backend; direct callers (tests, the eval) get the same here.
   */
  resolve(pool: CandidatePool, options: ResolvedOptions | PlanOptions): PlanOptions {
    return withSessionValue(this.sessionValue, pool, options);
  }

  private readonly stage1 = new MocStage1();
  /** The last fusion scored only the candidates that could make the shortlist. */
  private partial: { pool: CandidatePool; u: Float64Array; options: PlanOptions } | null = null;

  /** Fused scores of the last plan, by pool index (every eligible slot). */
  get scores(): Readonly<FusedScores> {
    if (this.partial) {
      const { pool, u, options } = this.partial;
      fuse(pool, u, options, this.fused, { order: this.order, rank: this.rank });
      this.partial = null;
    }
    return this.fused;
  }

  /** Stage 1 and the data stage 2 needs, without searching. */
  shortlist(pool: CandidatePool, u: Float64Array, given: ResolvedOptions | PlanOptions): Shortlist {
    const options = this.resolve(pool, given);
    if (this.fused.score.length < pool.capacity) {
      this.fused = allocateFused(pool.capacity);
      this.order = new Int32Array(pool.capacity);
      this.rank = new Float64Array(pool.capacity);
    }
    const L = Math.min(options.lookahead.shortlist, pool.eligibleCount);
    if (this.list.poolIndex.length < L || this.list.dim !== pool.dim) {
      this.list = allocateShortlist(Math.max(L, options.lookahead.shortlist), pool.dim);
    }
    const list = this.list;
    if (MocStage1.applies(options) && L < pool.eligibleCount) {
      // Scores only the slots that could make the shortlist; the rest are fused on demand.
      this.stage1.select(pool, u, options, L, this.topk, this.fused);
      this.partial = { pool, u, options };
    } else {
      fuse(pool, u, options, this.fused, { order: this.order, rank: this.rank });
      this.partial = null;
      this.topk.reset(L);
      const s = this.fused.score;
      for (let i = 0; i < pool.size; i++) if (!pool.shown[i]) this.topk.offer(s[i]!, i);
    }
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

  plan(pool: CandidatePool, u: Float64Array, last: LastShown | null, given: ResolvedOptions | PlanOptions): PlanResult {
    const options = this.resolve(pool, given);
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
