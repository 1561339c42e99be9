import type { BackendPlan } from '../backend.js';
import type { LastShown } from '../model/lookahead.js';
import { clampedLogit } from '../model/personalize.js';
import type { CandidatePool } from '../model/pool.js';
import type { PlanOptions } from '../types.js';
import { PASS, PLAN_OUT, PLAN_PARAMS, PLANNED_ITEM, SLOT } from './resources.js';
import { SHADER_CONSTANTS, type Schedule } from './schedule.js';

const FUSION_KINDS = {
  moc: SHADER_CONSTANTS.FUSION_MOC,
  'weighted-sum': SHADER_CONSTANTS.FUSION_WEIGHTED_SUM,
  product: SHADER_CONSTANTS.FUSION_PRODUCT,
  rank: SHADER_CONSTANTS.FUSION_RANK,
} as const;

/** A staging array of at least `n` elements, regrown by doubling. */
function grown<T extends Float32Array<ArrayBuffer> | Uint32Array<ArrayBuffer>>(current: T, n: number, make: (n: number) => T): T {
  return current.length >= n ? current : make(Math.max(n, current.length * 2));
}

/**
 * Packs what a plan uploads into the layouts of resources.ts (f64 narrowed to f32), in
 * staging arrays reused across plans, and unpacks the plan read back.
 */
export class Packer {
  private slotWords = new Uint32Array(0);
  private embedding = new Float32Array(0);
  private shown = new Uint32Array(0);
  private vectors = new Float32Array(0);
  private readonly params = new ArrayBuffer(PLAN_PARAMS.bytes);

  /** Candidate columns as `Slot`s. */
  slots(pool: CandidatePool): Uint32Array<ArrayBuffer> {
    const words = pool.size * SLOT.words;
    this.slotWords = grown(this.slotWords, words, (n) => new Uint32Array(n));
    const w = this.slotWords;
    const f = new Float32Array(w.buffer);
    for (let i = 0, at = 0; i < pool.size; i++, at += SLOT.words) {
      SLOT.write(f, w, at, {
        pCvr: pool.pCvr[i]!, pVtr: pool.pVtr[i]!, pSdr: pool.pSdr[i]!, value: pool.value[i]!,
        logitCvr: clampedLogit(pool.pCvr[i]!), logitVtr: clampedLogit(pool.pVtr[i]!),
        category: pool.category[i]!, hasCategory: pool.hasCategory[i]!,
      });
    }
    return w;
  }

  /** Rows zero-padded to whole vec4s, so the shaders take dot products four lanes at a time. */
  embeddingRows(pool: CandidatePool): Float32Array<ArrayBuffer> {
    const dim = pool.dim;
    const padded = Math.ceil(dim / 4) * 4;
    const n = pool.size * padded;
    this.embedding = grown(this.embedding, n, (m) => new Float32Array(m));
    const out = this.embedding;
    if (padded === dim) {
      out.set(pool.embedding.subarray(0, n));
    } else {
      for (let i = 0; i < pool.size; i++) {
        out.set(pool.embedding.subarray(i * dim, (i + 1) * dim), i * padded);
        out.fill(0, i * padded + dim, (i + 1) * padded);
      }
    }
    return out;
  }

  /** One bit per slot. */
  shownBits(pool: CandidatePool): Uint32Array<ArrayBuffer> {
    const n = Math.ceil(pool.size / 32);
    this.shown = grown(this.shown, n, (m) => new Uint32Array(m));
    this.shown.fill(0, 0, n);
    for (let i = 0; i < pool.size; i++) if (pool.shown[i]) this.shown[i >> 5]! |= 1 << (i & 31);
    return this.shown;
  }

  /** u, then the last shown item's embedding (zeros when there is none), each padded to whole vec4s. */
  interest(u: Float64Array, last: LastShown | null, dim: number): Float32Array<ArrayBuffer> {
    const padded = Math.ceil(dim / 4) * 4;
    this.vectors = grown(this.vectors, 2 * padded, (n) => new Float32Array(n));
    const v = this.vectors;
    v.fill(0, 0, 2 * padded);
    v.set(u.subarray(0, dim));
    if (last) v.set(last.embedding.subarray(0, dim), padded);
    return v;
  }

  /** Every pass of the schedule as a `Pass`, one per `stride` bytes (the uniform offset alignment). */
  passTable(schedule: Schedule, stride: number): Uint32Array<ArrayBuffer> {
    const words = stride / 4;
    const u32 = new Uint32Array(schedule.passes.length * words);
    const f32 = new Float32Array(u32.buffer);
    schedule.passes.forEach((p, n) => PASS.write(f32, u32, n * words, p));
    return u32;
  }

  /** The plan's `PlanParams`. */
  planParams(
    pool: CandidatePool, options: PlanOptions, shortlist: number, depth: number, last: LastShown | null,
  ): Uint32Array<ArrayBuffer> {
    const u32 = new Uint32Array(this.params);
    const { fusion, lookahead, personalization } = options;
    const classic = fusion.kind === 'moc' ? null : fusion;
    PLAN_PARAMS.write(new Float32Array(this.params), u32, 0, {
      size: pool.size, eligible: pool.eligibleCount, dim4: Math.ceil(pool.dim / 4),
      fusionKind: FUSION_KINDS[fusion.kind],
      personalize: personalization === false ? 0 : 1,
      strength: personalization === false ? 0 : personalization.strength,
      wCvr: fusion.wCvr, wView: fusion.wView, wSwipe: fusion.kind === 'moc' ? fusion.wSwipe : 0, gamma: fusion.gamma,
      weightCvr: classic?.weights.cvr ?? 0, weightVtr: classic?.weights.vtr ?? 0, weightSdr: classic?.weights.sdr ?? 0,
      alphaCvr: classic?.alpha.cvr ?? 0, alphaVtr: classic?.alpha.vtr ?? 0, alphaSdr: classic?.alpha.sdr ?? 0,
      betaCvr: classic?.beta.cvr ?? 0, betaVtr: classic?.beta.vtr ?? 0, betaSdr: classic?.beta.sdr ?? 0,
      shortlist, beamWidth: lookahead.beamWidth, depth,
      tail: lookahead.tail,
      rho: lookahead.rho, phi: lookahead.phi,
      hasLast: last ? 1 : 0, lastCategory: last ? last.category : 0, lastHasCategory: last?.hasCategory ? 1 : 0,
    });
    return u32;
  }

  /** The `PlanOut` read back at byte `offset` of `bytes`. */
  readPlan(bytes: ArrayBuffer, offset: number): BackendPlan {
    const u32 = new Uint32Array(bytes, offset, PLAN_OUT.words);
    const f32 = new Float32Array(bytes, offset, PLAN_OUT.words);
    const { count, value } = PLAN_OUT.read(f32, u32, 0);
    const plan: BackendPlan = { poolIndex: [], score: [], reward: [], continueProb: [], reach: [], value };
    for (let t = 0; t < count; t++) {
      const item = PLANNED_ITEM.read(f32, u32, PLAN_OUT.word.items + t * PLANNED_ITEM.words);
      plan.poolIndex.push(item.poolIndex);
      plan.score.push(item.score);
      plan.reward.push(item.reward);
      plan.continueProb.push(item.continueProb);
      plan.reach.push(item.reach);
    }
    return plan;
  }
}
