/**
 * How a simulated user tires: continuing is less likely after items like the ones just seen.
 * A world where users tire differently adds its rule here, behind an option of `UserOptions`.
 */
import type { CatalogItem } from './catalog.js';
import { dot } from './math.js';

export interface FatigueOptions {
  /** True continuation penalty for an item similar to recent ones: `q *= 1 - similarityPenalty * sim`. */
  similarityPenalty: number;
  /** True continuation penalty for an item of a recently seen category. */
  categoryPenalty: number;
  /** Weight of the item k steps back is `memoryDecay^(k-1)`. */
  memoryDecay: number;
}

/**
 * The factor on continuing after `item` given `recent` (most recent first):
 * `prod_k (1 - similarityPenalty * w_k * max(0, e . e_k)) * (1 - categoryPenalty * w_k * [same category])`
 * with `w_k = memoryDecay^(k-1)`.
 */
export function fatigue(item: CatalogItem, recent: readonly CatalogItem[], o: FatigueOptions): number {
  let factor = 1, weight = 1;
  for (const seen of recent) {
    const sim = Math.max(0, dot(item.embedding, seen.embedding));
    factor *= (1 - o.similarityPenalty * weight * sim) * (1 - (seen.category === item.category ? o.categoryPenalty * weight : 0));
    weight *= o.memoryDecay;
  }
  return factor;
}
