import { describe, expect, it } from 'vitest';
import { makeCatalog, type CatalogItem } from './catalog.js';
import { seededRandom } from './random.js';
import { LONG_VIEW_MS, SimulatedUser, SKIP_MS, type Outcome, type OutcomeProbabilities } from './user.js';

const catalog = makeCatalog({ size: 2_000, embeddingDim: 16, categories: 12, scoreNoise: 0.5, seed: 7 });
const penalties = { similarityPenalty: 0.4, categoryPenalty: 0.3 };

/** Shows random catalog items to fresh users, recording each step's probabilities and outcome. */
function observe(sessions: number, seed: number): { p: OutcomeProbabilities; o: Outcome }[] {
  const pick = seededRandom(seed);
  const steps: { p: OutcomeProbabilities; o: Outcome }[] = [];
  for (let s = 0; s < sessions; s++) {
    const user = new SimulatedUser(catalog, { seed: seed * 100_000 + s, ...penalties });
    let previous: CatalogItem | null = null;
    for (let t = 0; t < 50; t++) {
      const item = catalog[Math.floor(pick() * catalog.length)]!;
      const p = user.probabilities(item, previous);
      const o = user.respond(item, previous);
      steps.push({ p, o });
      previous = item;
      if (!o.continues) break;
    }
  }
  return steps;
}

/**
 * z-score of a count of Bernoulli successes against the sum of their probabilities. Each draw
 * is Bernoulli(p_t) given the history, so the deviation is a martingale with variance
 * sum p_t (1 - p_t) even though interest drifts between draws.
 */
function zScore(events: { p: number; hit: boolean }[]): number {
  let hits = 0, expected = 0, variance = 0;
  for (const e of events) {
    if (e.hit) hits++;
    expected += e.p;
    variance += e.p * (1 - e.p);
  }
  return (hits - expected) / Math.sqrt(variance);
}

describe('simulated user', () => {
  const steps = observe(4_000, 11);
  const Z = 4; // a false alarm about once in 16,000 runs per check

  it('draws enough steps to test frequencies', () => {
    expect(steps.length).toBeGreaterThan(15_000);
  });

  it('buys, long-views, views and continues as often as its probabilities say', () => {
    const checks: Record<string, { p: number; hit: boolean }[]> = {
      buy: steps.map(({ p, o }) => ({ p: p.buy, hit: o.converted })),
      longView: steps.map(({ p, o }) => ({ p: p.longView, hit: o.longView })),
      view: steps.map(({ p, o }) => ({ p: p.view, hit: o.dwellMs >= SKIP_MS })),
      continues: steps.map(({ p, o }) => ({ p: p.continues, hit: o.continues })),
      continueIfNotBought: steps.filter(({ o }) => !o.converted).map(({ p, o }) => ({ p: p.continueIfNotBought, hit: o.continues })),
      continueIfBought: steps.filter(({ o }) => o.converted).map(({ p, o }) => ({ p: p.continueIfBought, hit: o.continues })),
    };
    for (const [name, events] of Object.entries(checks)) {
      expect(Math.abs(zScore(events)), `${name} over ${events.length} draws`).toBeLessThan(Z);
    }
  });

  it('the frequency check has power: probabilities 10% off are caught', () => {
    const off = (scale: number) => zScore(steps.map(({ p, o }) => ({ p: p.longView * scale, hit: o.longView })));
    expect(Math.abs(off(0.9))).toBeGreaterThan(Z);
    expect(Math.abs(off(1.1))).toBeGreaterThan(Z);
    const cont = zScore(steps.map(({ p, o }) => ({ p: Math.min(1, p.continues * 1.05), hit: o.continues })));
    expect(Math.abs(cont)).toBeGreaterThan(Z);
  });

  it('dwell agrees with the outcome: long views reach 4 s, skips stay under 1.5 s, every purchase is a long view', () => {
    for (const { o } of steps) {
      expect(o.longView).toBe(o.dwellMs >= LONG_VIEW_MS);
      if (o.converted) expect(o.longView).toBe(true);
      expect(o.dwellMs).toBeGreaterThan(0);
    }
    expect(steps.some(({ o }) => o.dwellMs < SKIP_MS)).toBe(true);
    expect(steps.some(({ o }) => o.dwellMs >= SKIP_MS && o.dwellMs < LONG_VIEW_MS)).toBe(true);
  });

  it('continuation drops after a similar, same-category item by the user\'s own penalties', () => {
    const user = new SimulatedUser(catalog, { seed: 3, ...penalties, memory: 1 });
    const item = catalog[0]!;
    const twin = catalog.find((c) => c !== item && c.category === item.category)!;
    const fresh = user.probabilities(item, null).continueIfNotBought;
    let sim = 0;
    for (let d = 0; d < item.embedding.length; d++) sim += item.embedding[d]! * twin.embedding[d]!;
    const expected = fresh * (1 - 0.4 * Math.max(0, sim)) * (1 - 0.3);
    expect(user.probabilities(item, twin).continueIfNotBought).toBeCloseTo(expected, 12);
    expect(user.probabilities(item, twin).continueIfBought).toBeCloseTo(expected * (1 - user.options.buyExit), 12);
  });

  it('interest drifts toward what the user long-viewed or bought', () => {
    const user = new SimulatedUser(catalog, { seed: 5, ...penalties, drift: 0.3 });
    const pick = seededRandom(99);
    let moved = 0;
    for (let n = 0; n < 200 && moved < 5; n++) {
      const item = catalog[Math.floor(pick() * catalog.length)]!;
      const before = user.affinity(item);
      if (user.respond(item, null).longView) {
        expect(user.affinity(item)).toBeGreaterThan(before);
        moved++;
      } else {
        expect(user.affinity(item)).toBe(before);
      }
    }
    expect(moved).toBe(5);
  });

  it('a user seed gives identical outcomes; another seed gives different ones', () => {
    const run = (seed: number) => {
      const user = new SimulatedUser(catalog, { seed, ...penalties });
      return catalog.slice(0, 300).map((item, t) => user.respond(item, t > 0 ? catalog[t - 1]! : null));
    };
    expect(run(42)).toEqual(run(42));
    expect(run(43)).not.toEqual(run(42));
  });
});
