import { describe, expect, it } from 'vitest';
import { resolveOptions } from '../options.js';
import type { CandidateRow, RerankerOptions } from '../types.js';
import { poolOf } from '../testing/pool.js';
import { allocateFused, fuse } from './fusion.js';
import { planOptions } from './tail.js';

function scores(rows: CandidateRow[], fusion: RerankerOptions['fusion'], shown: string[] = []): number[] {
  const options = resolveOptions({ fusion, personalization: false });
  const pool = poolOf(rows, 0);
  for (const id of shown) pool.markShown(pool.indexOf(id));
  const out = allocateFused(pool.capacity);
  fuse(pool, new Float64Array(0), planOptions(options, NaN), out, { order: new Int32Array(pool.capacity), rank: new Float64Array(pool.capacity) });
  return rows.map((_, i) => out.score[i]!);
}

const rows: CandidateRow[] = [
  { id: 'a', pCvr: 0.1, pVtr: 0.5, pSdr: 0.8, value: 4 },
  { id: 'b', pCvr: 0.2, pVtr: 0.1, pSdr: 0.6 },
  { id: 'c', pCvr: 0.1, pVtr: 0.5, pSdr: 0.9, value: 1 },
];

describe('fusion kinds, against values worked by hand', () => {
  it('moc: buy and view-only are exclusive, so a long view that precedes a buy is not counted twice', () => {
    const s = scores(rows, { kind: 'moc', wCvr: 1, wView: 0.5, wSwipe: 0.1, gamma: 0.5 });
    // a: 1*0.1*sqrt(4) + 0.5*(0.5-0.1) + 0.1*0.8 = 0.2 + 0.2 + 0.08
    expect(s[0]).toBeCloseTo(0.48, 12);
    // b: pVtr < pCvr, so view-only is 0: 0.2 + 0 + 0.06
    expect(s[1]).toBeCloseTo(0.26, 12);
    // c: 0.1 + 0.2 + 0.09
    expect(s[2]).toBeCloseTo(0.39, 12);
  });

  it('weighted-sum over the raw objectives', () => {
    const s = scores(rows, { kind: 'weighted-sum', weights: { cvr: 2, vtr: 1, sdr: 0.5 } });
    expect(s).toEqual([0.2 + 0.5 + 0.4, 0.4 + 0.1 + 0.3, 0.2 + 0.5 + 0.45].map((x) => expect.closeTo(x, 12)));
  });

  it('product with exponents', () => {
    const s = scores(rows, { kind: 'product', weights: { cvr: 1, vtr: 2, sdr: 1 }, alpha: { cvr: 2, vtr: 1, sdr: 0.5 } });
    expect(s[0]).toBeCloseTo(1.1 ** 2 * 2 * Math.sqrt(1.8), 12);
    expect(s[1]).toBeCloseTo(1.2 ** 2 * 1.2 * Math.sqrt(1.6), 12);
  });

  it('rank: 1-based ranks, ties to the lower pool index', () => {
    // pCvr: b (0.2) first, then a and c tie at 0.1: a (index 0) ranks 2, c ranks 3.
    // pVtr: a and c tie at 0.5: a 1, c 2, b 3. pSdr: c 1, a 2, b 3.
    const s = scores(rows, {
      kind: 'rank', weights: { cvr: 1, vtr: 1, sdr: 1 }, alpha: { cvr: 1, vtr: 1, sdr: 2 }, beta: { cvr: 0, vtr: 1, sdr: 0 },
    });
    expect(s[0]).toBeCloseTo(1 / 2 + 1 / (1 + 1) + 1 / 4, 12);
    expect(s[1]).toBeCloseTo(1 / 1 + 1 / (3 + 1) + 1 / 9, 12);
    expect(s[2]).toBeCloseTo(1 / 3 + 1 / (2 + 1) + 1 / 1, 12);
  });

  it('rank counts only the eligible pool: a shown item takes no rank', () => {
    const s = scores(rows, { kind: 'rank', weights: { cvr: 1, vtr: 0, sdr: 0 } }, ['b']);
    expect(s[0]).toBeCloseTo(1, 12);
    expect(s[2]).toBeCloseTo(1 / 2, 12);
  });
});
