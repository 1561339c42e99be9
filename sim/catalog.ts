/**
 * The simulated catalog: items with a price, a category, an embedding, true base
 * probabilities, and the noisy scores a server model would predict from them.
 */
import { logit, sigmoid, unitVector } from './math.js';
import { gaussian, mixSeed, seededRandom } from './random.js';

export interface CatalogItem {
  id: string;
  category: number;
  price: number;
  /** Unit length, length `embeddingDim`. */
  embedding: Float32Array;
  /**
   * Two uniform draws in [0, 1) a display layer maps onto its own word lists to name the item
   * (the demo's titles); the models ignore them.
   */
  naming: readonly [number, number];
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
    const naming = [random(), random()] as const;
    items.push({
      id: `item${i}`, category, price, embedding, naming,
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
