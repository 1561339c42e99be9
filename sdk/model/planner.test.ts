import { describe, expect, it } from 'vitest';
import { resolveOptions } from '../options.js';
import { randomRows, seededRandom } from '../testing/instances.js';
import { planReference } from '../testing/oracle.js';
import { poolOf } from '../testing/pool.js';
import type { CandidateRow, RerankerOptions } from '../types.js';
import type { LastShown } from './lookahead.js';
import { CpuPlanner } from './planner.js';
import { validateBatch } from './validate.js';

/**
 * The planner prunes: stage 1 scores exactly only the slots whose reward bound can reach
 * the shortlist, and the beam computes a continuation only where the offer's bound can
 * enter the beam. Neither may change a plan: it must equal, bit for bit, the plan of
 * fusing every slot and scoring every extension (`planReference`).
 */
describe('the pruned CPU plan equals the plainly computed plan, bit for bit', () => {
  const dim = 8;
  function instance(seed: number) {
    const random = seededRandom(seed);
    let rows: CandidateRow[] = randomRows(random, { size: 200 + Math.floor(random() * 400), embeddingDim: dim, categories: 3 });
    // Duplicated rows under new ids: exact ties in stage 1 and in the beam.
    if (seed % 3 === 0) rows = [...rows, ...rows.slice(0, 60).map((r) => ({ ...r, id: `${r.id}-twin` }))];
    // A few extreme probabilities, where the clamp and the view-only difference bite.
    if (seed % 4 === 1) rows.slice(0, 20).forEach((r, k) => { r.pCvr = k % 2 ? 0 : 1; r.pVtr = k % 3 ? 1 : 0; });
    const pool = poolOf(rows, dim);
    for (let i = 0; i < pool.size; i += 7) if (random() < 0.5) pool.markShown(i);
    const personalization = seed % 5 === 4 ? false : { strength: [1, 2.5, -1.5][seed % 3]! };
    const options: RerankerOptions = {
      embeddingDim: dim,
      fusion: { kind: 'moc', wCvr: random() * 2, wView: random(), wSwipe: seed % 2 ? 'auto' : random(), gamma: random() },
      lookahead: {
        depth: 1 + (seed % 6), beamWidth: 1 + (seed % 17), shortlist: [8, 64, 150][seed % 3]!,
        rho: seed % 7 === 0 ? 1 : random(), phi: seed % 5 === 0 ? 0 : random(), tail: seed % 4 === 0 ? 0.3 : 'auto',
      },
      personalization,
    };
    // Interest of norm up to about 3: taste less satiation can exceed 1.
    const u = Float64Array.from({ length: dim }, () => (random() - 0.5) * 2);
    const last: LastShown | null = seed % 2 ? null : {
      embedding: Float64Array.from(validateBatch(randomRows(random, { size: 1, embeddingDim: dim }), dim).embedding),
      category: 1, hasCategory: true,
    };
    return { pool, u, last, options: resolveOptions(options) };
  }

  it('on 300 random instances (ties, shown slots, extreme probabilities, |u| > 1, no personalisation)', () => {
    const planner = new CpuPlanner();
    for (let seed = 0; seed < 300; seed++) {
      const { pool, u, last, options } = instance(seed);
      const planOptions = planner.resolve(pool, options);
      expect(planner.plan(pool, u, last, planOptions), `seed ${seed}`).toEqual(planReference(pool, u, last, planOptions));
    }
  });

  it('over a session on one pool: the same planner, the interest moving and items shown between plans', () => {
    const planner = new CpuPlanner();
    const { pool, u, options } = instance(7);
    const random = seededRandom(70);
    for (let step = 0; step < 40; step++) {
      const planOptions = planner.resolve(pool, options);
      const plan = planner.plan(pool, u, null, planOptions);
      expect(plan, `step ${step}`).toEqual(planReference(pool, u, null, planOptions));
      pool.markShown(plan.poolIndex[0]!);
      for (let d = 0; d < dim; d++) u[d] = 0.8 * u[d]! + (random() - 0.5);
    }
  });
});
