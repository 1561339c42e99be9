import { describe, expect, it } from 'vitest';
import { createReranker } from '../index.js';
import { DEFAULT_PERSONALIZATION } from '../options.js';
import type { PersonalizationOptions } from '../types.js';
import { feedbackSignal, shiftProbability, updateInterest } from './personalize.js';

/** Two shoes and two games, equal but for their embeddings, ingested in `order`. */
const EMBEDDING: Record<string, number[]> = { 'shoe-1': [1, 0], 'shoe-2': [1, 0.1], 'game-1': [0, 1], 'game-2': [0.1, 1] };

/** An inline CPU reranker that plans by pCvr' alone, so personalisation decides every order. */
async function shoesAndGames(personalization: Partial<PersonalizationOptions>, shortlist: number, order: string[]) {
  const ranker = await createReranker({
    backend: 'cpu', worker: false, embeddingDim: 2, personalization,
    lookahead: { depth: 1, shortlist, rho: 0, phi: 0, tail: 0 },
    fusion: { kind: 'moc', wCvr: 1, wView: 0, wSwipe: 0, gamma: 0 },
  });
  await ranker.ingest(order.map((id) => ({ id, pCvr: 0.1, pVtr: 0.3, pSdr: 0.5, embedding: EMBEDDING[id] })));
  return ranker;
}

describe('personalisation', () => {
  const p = { ...DEFAULT_PERSONALIZATION, decay: 0.5, rate: 0.25 };

  it('signals: +2 convert, +1 long view, +0.25 view, -0.5 skip', () => {
    expect(feedbackSignal({ id: 'x', dwellMs: 100, converted: true }, p)).toBe(2);
    expect(feedbackSignal({ id: 'x', dwellMs: p.longViewMs }, p)).toBe(1);
    expect(feedbackSignal({ id: 'x', dwellMs: 100, longView: true }, p)).toBe(1);
    expect(feedbackSignal({ id: 'x', dwellMs: p.skipMs }, p)).toBe(0.25);
    expect(feedbackSignal({ id: 'x', dwellMs: p.skipMs - 1 }, p)).toBe(-0.5);
  });

  it('u <- decay u + rate signal e, then |u| <= 1', () => {
    const u = Float64Array.from([0.4, 0]);
    updateInterest(u, Float64Array.from([0, 1]), 0, 1, p);
    expect(Array.from(u)).toEqual([0.2, 0.25]);
    updateInterest(u, Float64Array.from([1, 0]), 0, 2 / p.rate * 3, p); // a huge step is clipped to the unit ball
    expect(Math.hypot(u[0]!, u[1]!)).toBeCloseTo(1, 12);
  });

  it("p' = sigmoid(logit(clamp(p)) + shift), clamped to [1e-6, 1 - 1e-6] first", () => {
    expect(shiftProbability(0.3, 0)).toBeCloseTo(0.3, 14);
    expect(shiftProbability(0.5, Math.log(3))).toBeCloseTo(0.75, 14);
    expect(shiftProbability(0, 0)).toBeCloseTo(1e-6, 18);
    expect(shiftProbability(1, 0)).toBeCloseTo(1 - 1e-6, 14);
  });

  it("feedback moves u toward what was liked and away from what was skipped, and pCvr' / pVtr' follow", async () => {
    const ranker = await shoesAndGames({ strength: 2, decay: 0.9, rate: 0.3, satiation: 0 }, 1,
      ['shoe-1', 'shoe-2', 'game-1', 'game-2']);
    // The pool ties; the lower index wins before any feedback.
    expect((await ranker.plan()).items[0]!.id).toBe('shoe-1');
    // Skip a shoe, buy a game: games now lead, and their personalised pCvr rose above 0.1.
    await ranker.feedback({ id: 'shoe-1', dwellMs: 300 });
    const plan = await ranker.swipe({ id: 'game-1', dwellMs: 9000, converted: true });
    expect(plan.items[0]!.id).toBe('game-2');
    expect(plan.items[0]!.reward).toBeGreaterThan(0.1);
    const u = [0.9 * (0.3 * -0.5 * 1), 0.3 * 2 * 1];
    const e = [0.1 / Math.hypot(0.1, 1), 1 / Math.hypot(0.1, 1)];
    const expected = shiftProbability(0.1, 2 * (u[0]! * e[0]! + u[1]! * e[1]!));
    expect(plan.items[0]!.reward).toBeCloseTo(expected, 12);
    await ranker.dispose();
  });

  it('satiation: items like the ones just shown lose strength * satiation * h.e, with h <- satiationDecay h + e', async () => {
    const ranker = await shoesAndGames({ strength: 2, decay: 0.9, rate: 0.3, satiation: 0.7, satiationDecay: 0.5 }, 4,
      ['shoe-1', 'game-1', 'shoe-2', 'game-2']);
    await ranker.feedback({ id: 'shoe-1', dwellMs: 2_000 });
    const plan = await ranker.swipe({ id: 'game-1', dwellMs: 2_000 });
    // Taste: two plain views (+0.25 each). Satiation: h = 0.5 e_shoe1 + e_game1.
    const u = [0.9 * 0.3 * 0.25, 0.3 * 0.25];
    const h = [0.5, 1];
    const reward = (e: number[]) => {
      const n = Math.hypot(e[0]!, e[1]!);
      return shiftProbability(0.1, 2 * ((u[0]! - 0.7 * h[0]!) * e[0]! / n + (u[1]! - 0.7 * h[1]!) * e[1]! / n));
    };
    // The game was seen last, so the other shoe now leads, and both lost pCvr to satiation.
    expect(plan.items[0]!.id).toBe('shoe-2');
    expect(plan.items[0]!.reward).toBeCloseTo(reward([1, 0.1]), 12);
    expect(plan.items[0]!.reward).toBeLessThan(0.1);
    await ranker.dispose();
  });
});
