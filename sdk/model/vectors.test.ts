import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { createReranker } from '../index.js';
import { resolveOptions } from '../options.js';
import { poolOf } from '../testing/pool.js';
import type { CandidateRow, ClassicFusion, RerankerOptions } from '../types.js';
import { allocateFused, fuse } from './fusion.js';
import { planOptions } from './tail.js';

const vectors = new URL('../testing/vectors/', import.meta.url);
const load = <T>(name: string): T => JSON.parse(readFileSync(new URL(name, vectors), 'utf8')) as T;

interface PlanCase { options: RerankerOptions; candidates: CandidateRow[]; expected: { ids: string[]; value: number } }
interface FusionCase { kind: string; fusion: ClassicFusion; candidates: CandidateRow[]; expected: number[] }

describe('golden vectors (copied from shared/vectors: exhaustive search)', () => {
  const plans = load<{ cases: PlanCase[] }>('plans.json').cases;
  it.each(plans.map((c, i) => [i, c] as const))('plans.json case %i: ids and value', async (_, c) => {
    const ranker = await createReranker({ ...c.options, backend: 'cpu', worker: false });
    await ranker.ingest(c.candidates);
    const plan = await ranker.plan();
    expect(plan.items.map((item) => item.id)).toEqual(c.expected.ids);
    expect(plan.value).toBeCloseTo(c.expected.value, 9);
    await ranker.dispose();
  });

  const fusions = load<{ cases: FusionCase[] }>('fusion.json').cases;
  it.each(fusions.map((c, i) => [i, c.kind, c] as const))('fusion.json case %i (%s): fused scores', (_, __, c) => {
    const options = resolveOptions({ fusion: c.fusion, personalization: false });
    const pool = poolOf(c.candidates, 0);
    const out = allocateFused(pool.capacity);
    fuse(pool, new Float64Array(0), planOptions(options, NaN), out, {
      order: new Int32Array(pool.capacity), rank: new Float64Array(pool.capacity),
    });
    c.expected.forEach((s, i) => expect(out.score[i]).toBeCloseTo(s, 12));
  });

  it('the fusion cases include a rank tie', () => {
    const hasTie = fusions.some((c) => c.kind === 'rank'
      && ['pCvr', 'pVtr', 'pSdr'].some((k) => new Set(c.candidates.map((r) => r[k as 'pCvr'])).size < c.candidates.length));
    expect(hasTie).toBe(true);
  });
});
