/**
 * A swipe-session user simulator for evaluating rerankers. It is deliberately NOT the
 * planner's model: the user's true probabilities carry a hidden interest the planner never
 * sees, the server's scores are noisy, continuation fatigue remembers several items back
 * with the user's own strengths, and interest drifts with what the user engages with.
 *
 * Pure TypeScript (no Node APIs): the demo's autopilot runs it in the browser too.
 * Everything is drawn from seeded generators, so a seed reproduces a session exactly.
 */
import { seededRandom } from '../../sdk/testing/instances.js';
import type { CandidateRow } from '../../sdk/types.js';

export interface CatalogItem {
  id: string;
  title: string;
  category: number;
  price: number;
  /** Unit length, length `embeddingDim`. */
  embedding: Float32Array;
  /** The server model's predicted scores: the true base probabilities seen through logit noise. */
  pCvr: number;
  pVtr: number;
  pSdr: number;
  /** User-independent true base probabilities (before a user's interest and fatigue). */
  trueCvr: number;
  trueVtr: number;
  trueSdr: number;
}

export interface CatalogOptions {
  size: number;
  embeddingDim: number;
  categories: number;
  /** Standard deviation of the Gaussian noise added on the logit scale to each server score. */
  scoreNoise: number;
  seed: number;
}

/**
 * The catalog of `npm run eval` (its sensitivity grid varies `scoreNoise` only). The demo's
 * candidate server and autopilot build the same one, so its figures compare with the report.
 */
export const EVAL_CATALOG: Readonly<CatalogOptions> = { size: 4_000, embeddingDim: 16, categories: 12, scoreNoise: 0.5, seed: 2026 };

/** How sessions get candidates, in the evaluation and the demo alike. */
export const EVAL_PAGES = {
  pageSize: 200,
  /** Fetch the next page when fewer unseen candidates than this remain. */
  refillBelow: 64,
} as const;

export interface UserOptions {
  seed: number;
  /** True continuation penalty for an item similar to recent ones: `q *= 1 - similarityPenalty * sim`. */
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

const sigmoid = (x: number) => 1 / (1 + Math.exp(-x));
const logit = (p: number) => {
  const c = Math.min(1 - 1e-9, Math.max(1e-9, p));
  return Math.log(c / (1 - c));
};

/** Standard normal draws from a uniform generator (Box–Muller, one value per call). */
function gaussian(random: () => number): () => number {
  return () => {
    const u = 1 - random();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * random());
  };
}

/** Mixes two integers into a 32-bit seed, so sub-streams of one seed do not overlap. */
export function mixSeed(a: number, b: number): number {
  let h = Math.imul((a >>> 0) ^ 0x9e3779b9, 0x85ebca6b) ^ Math.imul((b >>> 0) + 0x632be5ab, 0xc2b2ae35);
  h ^= h >>> 16;
  h = Math.imul(h, 0x7feb352d);
  h ^= h >>> 15;
  h = Math.imul(h, 0x846ca68b);
  return (h ^ (h >>> 16)) >>> 0;
}

function unitVector(normal: () => number, dim: number, around?: Float32Array, spread = 1): Float32Array {
  const v = new Float32Array(dim);
  let n2 = 0;
  for (let d = 0; d < dim; d++) {
    v[d] = (around ? around[d]! : 0) + spread * normal() / Math.sqrt(dim);
    n2 += v[d]! * v[d]!;
  }
  const inv = n2 > 0 ? 1 / Math.sqrt(n2) : 0;
  for (let d = 0; d < dim; d++) v[d]! *= inv;
  return v;
}

function dot(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let s = 0;
  for (let d = 0; d < a.length; d++) s += a[d]! * b[d]!;
  return s;
}

/** Category `c` is `CATEGORIES[c % CATEGORIES.length]`: its display name and the nouns of its titles. */
const CATEGORIES: { name: string; nouns: string[] }[] = [
  { name: 'Shoes', nouns: ['Sneakers', 'Boots', 'Sandals', 'Loafers'] },
  { name: 'Outerwear', nouns: ['Hoodie', 'Jacket', 'Cardigan', 'Parka'] },
  { name: 'Audio', nouns: ['Earbuds', 'Speaker', 'Headphones', 'Soundbar'] },
  { name: 'Beauty', nouns: ['Lipstick', 'Serum', 'Palette', 'Cleanser'] },
  { name: 'Kitchen', nouns: ['Skillet', 'Kettle', 'Blender', 'Knife Set'] },
  { name: 'Bags', nouns: ['Backpack', 'Tote', 'Wallet', 'Duffel'] },
  { name: 'Home', nouns: ['Lamp', 'Rug', 'Throw Pillow', 'Vase'] },
  { name: 'Fitness', nouns: ['Yoga Mat', 'Dumbbells', 'Jump Rope', 'Water Bottle'] },
  { name: 'Toys', nouns: ['Puzzle', 'Board Game', 'Plush Toy', 'Building Set'] },
  { name: 'Jewellery', nouns: ['Watch', 'Bracelet', 'Necklace', 'Ring'] },
  { name: 'Phone', nouns: ['Phone Case', 'Charger', 'Power Bank', 'Stand'] },
  { name: 'Stationery', nouns: ['Notebook', 'Pen Set', 'Planner', 'Desk Mat'] },
];

/** Display name of a catalog category. */
export function categoryName(category: number): string {
  return CATEGORIES[category % CATEGORIES.length]!.name;
}

const ADJECTIVES = [
  'Classic', 'Urban', 'Cozy', 'Sleek', 'Vintage', 'Everyday', 'Pro', 'Mini', 'Bold', 'Soft',
  'Travel', 'Eco', 'Deluxe', 'Retro', 'Breezy', 'Midnight', 'Sunny', 'Compact',
];

/**
 * A seeded catalog. Items of a category cluster around its centroid (within-category cosine
 * about 0.5); prices are log-normal by category; purchase is rarer for dearer items; long
 * views correlate with purchase.
 *
 * Server scores are calibrated but noisy: on the logit scale the server observes the true
 * value plus Gaussian noise of sd `scoreNoise` and reports the posterior mean (shrunk toward
 * the catalog mean by `var / (var + scoreNoise^2)`), so among items the server scores alike,
 * the true logit averages the score. The true catalog does not depend on `scoreNoise`
 * (separate random streams), so noise levels compare on the same items.
 */
export function makeCatalog(o: CatalogOptions): CatalogItem[] {
  const random = seededRandom(mixSeed(o.seed, 0xca7a106));
  const normal = gaussian(random);
  const noise = gaussian(seededRandom(mixSeed(o.seed, 0x5c0e)));
  const centroids = Array.from({ length: o.categories }, () => unitVector(normal, o.embeddingDim));
  const medianPrice = Array.from({ length: o.categories }, () => Math.exp(Math.log(30) + 0.7 * normal()));
  const items: CatalogItem[] = [];
  for (let i = 0; i < o.size; i++) {
    const category = Math.floor(random() * o.categories);
    const embedding = unitVector(normal, o.embeddingDim, centroids[category], 1);
    const price = Math.round(100 * medianPrice[category]! * Math.exp(0.5 * normal())) / 100 + 1;
    const appeal = normal(); // one latent quality that lifts purchase and long view together
    const cvrLogit = -3.6 + 0.5 * appeal + 0.4 * normal() - 0.35 * Math.log(price / 30);
    const vtrLogit = -1.0 + 0.6 * appeal + 0.6 * normal();
    const trueCvr = sigmoid(cvrLogit);
    const trueVtr = Math.max(trueCvr, sigmoid(vtrLogit));
    const trueSdr = sigmoid(3.5 + 0.6 * normal());
    const { nouns } = CATEGORIES[category % CATEGORIES.length]!;
    const title = `${ADJECTIVES[Math.floor(random() * ADJECTIVES.length)]!} ${nouns[Math.floor(random() * nouns.length)]!}`;
    items.push({
      id: `item${i}`, title, category, price, embedding,
      pCvr: 0, pVtr: 0, pSdr: 0, trueCvr, trueVtr, trueSdr,
    });
  }
  const predict = (truth: (item: CatalogItem) => number, score: (item: CatalogItem, p: number) => void) => {
    const logits = items.map((item) => logit(truth(item)));
    const mean = logits.reduce((s, x) => s + x, 0) / Math.max(1, logits.length);
    const variance = logits.reduce((s, x) => s + (x - mean) ** 2, 0) / Math.max(1, logits.length);
    const shrink = variance / (variance + o.scoreNoise ** 2);
    items.forEach((item, i) => score(item, sigmoid(mean + shrink * (logits[i]! + o.scoreNoise * noise() - mean))));
  };
  predict((item) => item.trueCvr, (item, p) => { item.pCvr = p; });
  predict((item) => item.trueVtr, (item, p) => { item.pVtr = p; });
  predict((item) => item.trueSdr, (item, p) => { item.pSdr = p; });
  return items;
}

/**
 * One simulated user. Hidden state: an interest vector (taste, drifting with long views and
 * purchases), a patience offset, and a memory of the last few items seen (fatigue).
 *
 * For item `j` with affinity `a = interest . e_j`:
 *   buy      = sigmoid(logit(trueCvr_j) + a)
 *   longView = max(buy, sigmoid(logit(trueVtr_j) + a))
 *   view     = sigmoid(logit(longView) + 1.5)          (dwell past SKIP_MS)
 *   continue = sigmoid(logit(trueSdr_j) + patience + interestOnContinue * a)
 *              * prod over recent items k (weight w_k = memoryDecay^(k-1)):
 *                (1 - similarityPenalty * w_k * max(0, e_j . e_k)) * (1 - categoryPenalty * w_k * [same category])
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
    const dim = Array.isArray(catalog) ? catalog[0]?.embedding.length ?? 0 : catalog.embeddingDim;
    // Taste sits near one or two liked items of the catalog (so near their categories).
    let around: Float32Array | undefined;
    if (Array.isArray(catalog) && catalog.length > 0) {
      around = new Float32Array(dim);
      const liked = 1 + Math.floor(setup() * 2);
      for (let n = 0; n < liked; n++) {
        const e = catalog[Math.floor(setup() * catalog.length)]!.embedding;
        for (let d = 0; d < dim; d++) around[d]! += e[d]!;
      }
    }
    this.interest = unitVector(setupNormal, dim, around, 0.7);
    for (let d = 0; d < dim; d++) this.interest[d]! *= this.options.interestStrength;
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
    let fatigue = 1, weight = 1;
    for (const seen of this.memoryBefore(previous)) {
      const sim = Math.max(0, dot(item.embedding, seen.embedding));
      fatigue *= (1 - u.similarityPenalty * weight * sim) * (1 - (seen.category === item.category ? u.categoryPenalty * weight : 0));
      weight *= u.memoryDecay;
    }
    const continueIfNotBought = sigmoid(logit(item.trueSdr) + this.patience + u.interestOnContinue * a) * fatigue;
    const continueIfBought = continueIfNotBought * (1 - u.buyExit);
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
    dwellMs = Math.round(dwellMs);

    this.memory(previous);
    this.recent.unshift(item);
    if (this.recent.length > this.options.memory) this.recent.length = this.options.memory;
    if (longView) this.driftToward(item, converted ? 2 : 1);
    return { dwellMs, converted, longView, continues };
  }

  /** Starts a new session: fatigue is forgotten, taste is kept. */
  newSession(): void {
    this.recent = [];
  }

  /** Recent items as fatigue sees them; the caller's `previous` is authoritative for the last one. */
  private memoryBefore(previous: CatalogItem | null): CatalogItem[] {
    if (previous === null) return [];
    if (this.recent[0] === previous) return this.recent;
    return [previous];
  }

  private memory(previous: CatalogItem | null): void {
    this.recent = this.memoryBefore(previous).slice();
  }

  /** Taste moves toward what held the user, keeping its length. */
  private driftToward(item: CatalogItem, signal: number): void {
    const step = this.options.drift * signal * this.options.interestStrength;
    let n2 = 0;
    for (let d = 0; d < this.interest.length; d++) {
      this.interest[d]! += step * item.embedding[d]!;
      n2 += this.interest[d]! * this.interest[d]!;
    }
    const scale = n2 > 0 ? this.options.interestStrength / Math.sqrt(n2) : 0;
    for (let d = 0; d < this.interest.length; d++) this.interest[d]! *= scale;
  }
}

/** A session's pages: successive slices of a seeded shuffle of the catalog (no item twice). */
export class PageStream {
  private readonly order: Int32Array;
  private drawn = 0;
  private readonly random: () => number;

  constructor(catalogSize: number, seed: number) {
    this.order = new Int32Array(catalogSize);
    for (let i = 0; i < catalogSize; i++) this.order[i] = i;
    this.random = seededRandom(seed);
  }

  /** Catalog indices of the next page (partial Fisher–Yates: only what is drawn is shuffled). */
  next(size: number): number[] {
    const n = this.order.length;
    const page: number[] = [];
    for (; page.length < size && this.drawn < n; this.drawn++) {
      const j = this.drawn + Math.floor(this.random() * (n - this.drawn));
      const pick = this.order[j]!;
      this.order[j] = this.order[this.drawn]!;
      this.order[this.drawn] = pick;
      page.push(pick);
    }
    return page;
  }
}

/** The server's own ranking of a page: expected GMV from its predicted scores, descending. */
export function serverOrder(catalog: CatalogItem[], page: number[]): number[] {
  return page.slice().sort((a, b) => catalog[b]!.pCvr * catalog[b]!.price - catalog[a]!.pCvr * catalog[a]!.price || a - b);
}

/**
 * What the reranker ingests of an item as the server sends it: the model scores, price as
 * value, category and embedding (never the true probabilities).
 */
export function candidateRow(item: Pick<CatalogItem, 'id' | 'pCvr' | 'pVtr' | 'pSdr' | 'price' | 'category'>
  & { embedding: ArrayLike<number> }): CandidateRow {
  return {
    id: item.id, pCvr: item.pCvr, pVtr: item.pVtr, pSdr: item.pSdr,
    value: item.price, category: item.category, embedding: item.embedding,
  };
}
