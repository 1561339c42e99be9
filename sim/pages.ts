/** How a session gets candidates: pages of a seeded shuffle, each in the server's own order. */
import type { CatalogItem } from './catalog.js';
import { seededRandom } from './random.js';

/** How sessions get candidates, in the evaluation and the demo alike. */
export const EVAL_PAGES = {
  pageSize: 200,
  /** Fetch the next page when fewer unseen candidates than this remain. */
  refillBelow: 64,
} as const;

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
