import { describe, expect, it } from 'vitest';
import { seededRandom } from './random.js';
import { estimate, pairedLift, percentile } from './stats.js';

describe('eval statistics', () => {
  it('a 95% interval of a mean covers the true mean about 95% of the time', () => {
    const random = seededRandom(3);
    let covered = 0;
    for (let rep = 0; rep < 400; rep++) {
      const e = estimate(Array.from({ length: 200 }, () => (random() < 0.3 ? 1 : 0)));
      if (e.lo <= 0.3 && 0.3 <= e.hi) covered++;
    }
    expect(covered / 400).toBeGreaterThan(0.91);
    expect(covered / 400).toBeLessThan(0.99);
  });

  it('paired lift is the ratio of means minus one, with an interval that pairing narrows', () => {
    const random = seededRandom(9);
    const base = Array.from({ length: 2_000 }, () => 5 * random());
    const better = base.map((x) => 1.2 * x + 0.1 * (random() - 0.5));
    const lift = pairedLift(better, base);
    expect(lift.mean).toBeCloseTo(0.2, 2);
    expect(lift.hi - lift.lo).toBeLessThan(0.01);
    const unpaired = pairedLift(better.slice().reverse(), base);
    expect(unpaired.hi - unpaired.lo).toBeGreaterThan(10 * (lift.hi - lift.lo));
    expect(pairedLift(base, base)).toMatchObject({ mean: 0, lo: 0, hi: 0 });
  });

  it('percentiles are observed values (nearest rank)', () => {
    expect(percentile([5, 1, 4, 2, 3], 0.95)).toBe(5);
    expect(percentile([5, 1, 4, 2, 3], 0.5)).toBe(3);
    expect(percentile([5, 1, 4, 2, 3], 0)).toBe(1);
    expect(percentile([10, 9, 100, -1], 1)).toBe(100);
    // Numeric order, not string order (the demo's latency chart relies on it too).
    expect(percentile([10, 9, 100, -1], 0.5)).toBe(9);
    expect(percentile([], 0.5)).toBeNaN();
  });
});
