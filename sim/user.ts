/**
 * A simulated swipe-feed user. It is deliberately NOT the planner's model: the user's true
 * probabilities carry a hidden interest the planner never sees, continuation fatigue
 * remembers several items back with the user's own strengths, and interest drifts with what
 * the user engages with.
 *
 * The world a user lives in is its `UserOptions`; `DEFAULT_USER` is the evaluation's. A new
 * world (users who tire differently, buyers who stay or leave, taste that drifts otherwise)
 * is an option here with its rule in `fatigue.ts`, `interest.ts` or `continueAfter` below.
 */
import type { CatalogItem } from './catalog.js';
import { fatigue } from './fatigue.js';
import { driftToward, initialInterest } from './interest.js';
import { dot, logit, sigmoid } from './math.js';
import { gaussian, mixSeed, seededRandom } from './random.js';

export interface UserOptions {
  seed: number;
  /** True continuation penalty for an item similar to recent ones (see `FatigueOptions`). */
  similarityPenalty: number;
  /** True continuation penalty for an item of a recently seen category. */
  categoryPenalty: number;
  /** Length of the hidden interest vector: how far taste moves logits (default 2). */
  interestStrength?: number;
  /** Share of the interest logit shift that also applies to continuing (default 0.4). */
  interestOnContinue?: number;
  /** How far a long view (1x) or a purchase (2x) pulls interest toward the item (default 0.15). */
  drift?: number;
  /** Probability that a purchase ends the session by itself (off to checkout; default 0.3). */
  buyExit?: number;
  /** Items back that fatigue remembers (default 3). */
  memory?: number;
  /** Weight of the item k steps back is `memoryDecay^(k-1)` (default 0.5). */
  memoryDecay?: number;
  /** Standard deviation of the user's own patience, a logit offset on continuing (default 0.5). */
  patienceSd?: number;
}

export const DEFAULT_USER: Required<Omit<UserOptions, 'seed'>> = {
  similarityPenalty: 0.4,
  categoryPenalty: 0.3,
  interestStrength: 2,
  interestOnContinue: 0.4,
  drift: 0.15,
  buyExit: 0.3,
  memory: 3,
  memoryDecay: 0.5,
  patienceSd: 0.5,
};

export interface Outcome {
  dwellMs: number;
  converted: boolean;
  /** Dwell >= LONG_VIEW_MS. Every purchase is a long view. */
  longView: boolean;
  /** Swipes on to the next item; false ends the session. */
  continues: boolean;
}

/** What the user would do with an item now, before anything is drawn. */
export interface OutcomeProbabilities {
  buy: number;
  /** Includes buying (purchases are nested inside long views). */
  longView: number;
  /** Dwell of at least SKIP_MS; includes long views. */
  view: number;
  /** Continuing after not buying, and after buying. */
  continueIfNotBought: number;
  continueIfBought: number;
  /** Overall: `buy * continueIfBought + (1 - buy) * continueIfNotBought`. */
  continues: number;
}

/** Dwell thresholds the simulated user's outcomes respect (the SDK's default skipMs / longViewMs). */
export const SKIP_MS = 1_500;
export const LONG_VIEW_MS = 4_000;

/**
 * One simulated user. Hidden state: an interest vector (taste, drifting with long views and
 * purchases), a patience offset, and a memory of the last few items seen (fatigue).
 *
 * For item `j` with affinity `a = interest . e_j`:
 *   buy      = sigmoid(logit(trueCvr_j) + a)
 *   longView = max(buy, sigmoid(logit(trueVtr_j) + a))
 *   view     = sigmoid(logit(longView) + 1.5)          (dwell past SKIP_MS)
 *   continue = sigmoid(logit(trueSdr_j) + patience + interestOnContinue * a)
 *              * fatigue(j, recent items)               (see fatigue.ts)
 *              * (1 - buyExit if bought)
 * One uniform draws the nested outcome (buy within long view within view), so a purchase is
 * always a long view and dwell agrees with the outcome.
 */
export class SimulatedUser {
  readonly options: Required<UserOptions>;
  private readonly random: () => number;
  private readonly normal: () => number;
  private readonly interest: Float32Array;
  private readonly patience: number;
  /** Most recent first. */
  private recent: CatalogItem[] = [];

  constructor(catalog: CatalogItem[] | { embeddingDim: number }, o: UserOptions) {
    this.options = { ...DEFAULT_USER, ...o };
    const setup = seededRandom(mixSeed(o.seed, 0x05e7));
    const setupNormal = gaussian(setup);
    this.random = seededRandom(mixSeed(o.seed, 0xd7a3));
    this.normal = gaussian(this.random);
    this.interest = initialInterest(catalog, this.options.interestStrength, setup, setupNormal);
    this.patience = this.options.patienceSd * setupNormal();
  }

  /** `interest . e`: the logit shift this user's taste gives the item. */
  affinity(item: CatalogItem): number {
    return dot(this.interest, item.embedding);
  }

  /** The hidden interest vector (a copy), for inspection. */
  interestVector(): Float32Array {
    return this.interest.slice();
  }

  /** Outcome probabilities for `item` shown after `previous` (null: first of a session), drawing nothing. */
  probabilities(item: CatalogItem, previous: CatalogItem | null): OutcomeProbabilities {
    const u = this.options;
    const a = this.affinity(item);
    const buy = sigmoid(logit(item.trueCvr) + a);
    const longView = Math.max(buy, sigmoid(logit(item.trueVtr) + a));
    const view = sigmoid(logit(longView) + 1.5);
    const continueIfNotBought = sigmoid(logit(item.trueSdr) + this.patience + u.interestOnContinue * a)
      * fatigue(item, this.memoryBefore(previous), u);
    const continueIfBought = this.continueAfter(continueIfNotBought);
    return {
      buy, longView, view, continueIfNotBought, continueIfBought,
      continues: buy * continueIfBought + (1 - buy) * continueIfNotBought,
    };
  }

  /** The user sees `item` (after `previous`, or first); draws what happens and updates hidden interest. */
  respond(item: CatalogItem, previous: CatalogItem | null): Outcome {
    const p = this.probabilities(item, previous);
    const engagement = this.random();
    const converted = engagement < p.buy;
    const longView = engagement < p.longView;
    const viewed = engagement < p.view;
    const continues = this.random() < (converted ? p.continueIfBought : p.continueIfNotBought);
    const dwellMs = this.dwell(longView, converted, viewed);

    this.recent = this.memoryBefore(previous).slice();
    this.recent.unshift(item);
    if (this.recent.length > this.options.memory) this.recent.length = this.options.memory;
    if (longView) driftToward(this.interest, item, converted ? 2 : 1, this.options.drift, this.options.interestStrength);
    return { dwellMs, converted, longView, continues };
  }

  /** Starts a new session: fatigue is forgotten, taste is kept. */
  newSession(): void {
    this.recent = [];
  }

  /** Continuing after a purchase: some buyers leave for checkout. */
  private continueAfter(continueIfNotBought: number): number {
    return continueIfNotBought * (1 - this.options.buyExit);
  }

  /** Dwell that agrees with the drawn outcome; draws one uniform (and a normal for long views). */
  private dwell(longView: boolean, converted: boolean, viewed: boolean): number {
    const spread = this.random();
    let dwellMs: number;
    if (longView) {
      // Long views run 4 s to about a minute, median near 8 s; a purchase adds a checkout tap.
      dwellMs = LONG_VIEW_MS + Math.min(60_000, Math.exp(Math.log(4_000) + 0.7 * this.normal()));
      if (converted) dwellMs += 2_000 + 4_000 * spread;
    } else if (viewed) {
      dwellMs = SKIP_MS + (LONG_VIEW_MS - SKIP_MS - 1) * spread;
    } else {
      dwellMs = 250 + (SKIP_MS - 251) * spread;
    }
    return Math.round(dwellMs);
  }

  /** Recent items as fatigue sees them; the caller's `previous` is authoritative for the last one. */
  private memoryBefore(previous: CatalogItem | null): CatalogItem[] {
    if (previous === null) return [];
    if (this.recent[0] === previous) return this.recent;
    return [previous];
  }
}
