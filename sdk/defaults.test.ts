import { describe, expect, it } from 'vitest';
import { createReranker, DEFAULT_OPTIONS, LIMITS } from './index.js';
import { resolveOptions } from './options.js';

describe('exported defaults', () => {
  it('DEFAULT_OPTIONS is every option as createReranker({}) resolves it, and cannot be changed', () => {
    expect(DEFAULT_OPTIONS).toEqual(resolveOptions({}));
    expect(DEFAULT_OPTIONS.lookahead.depth).toBeGreaterThanOrEqual(LIMITS.depth.min);
    expect(Object.isFrozen(DEFAULT_OPTIONS)).toBe(true);
    expect(Object.isFrozen(DEFAULT_OPTIONS.lookahead)).toBe(true);
    expect(() => { (DEFAULT_OPTIONS.lookahead as { depth: number }).depth = 1; }).toThrow(TypeError);
  });

  it('a reranker given DEFAULT_OPTIONS back plans as one given nothing', async () => {
    const rows = Array.from({ length: 30 }, (_, i) => ({ id: `c${i}`, pCvr: (i % 7) / 50, pVtr: (i % 5) / 5, pSdr: 0.5 + (i % 4) / 9, category: i % 3 }));
    const plans = await Promise.all([{}, { ...DEFAULT_OPTIONS, persistence: false as const }].map(async (options) => {
      const ranker = await createReranker({ ...options, backend: 'cpu', worker: false });
      await ranker.ingest(rows);
      const plan = await ranker.plan();
      await ranker.dispose();
      return plan.items.map((item) => item.id);
    }));
    expect(plans[1]).toEqual(plans[0]);
  });
});
