/**
 * A simulated user's hidden taste: a vector whose dot product with an item's embedding
 * shifts that user's logits. A world where taste moves differently changes `driftToward`.
 */
import type { CatalogItem } from './catalog.js';
import { unitVector } from './math.js';

/**
 * Taste of length `strength`, near one or two liked items of the catalog (so near their
 * categories). Draws from `setup` (and `setupNormal`, which must draw from the same stream).
 */
export function initialInterest(
  catalog: readonly CatalogItem[] | { embeddingDim: number },
  strength: number, setup: () => number, setupNormal: () => number,
): Float32Array {
  const dim = Array.isArray(catalog) ? catalog[0]?.embedding.length ?? 0 : (catalog as { embeddingDim: number }).embeddingDim;
  let around: Float32Array | undefined;
  if (Array.isArray(catalog) && catalog.length > 0) {
    around = new Float32Array(dim);
    const liked = 1 + Math.floor(setup() * 2);
    for (let n = 0; n < liked; n++) {
      const e = (catalog as readonly CatalogItem[])[Math.floor(setup() * catalog.length)]!.embedding;
      for (let d = 0; d < dim; d++) around[d]! += e[d]!;
    }
  }
  const interest = unitVector(setupNormal, dim, around, 0.7);
  for (let d = 0; d < dim; d++) interest[d]! *= strength;
  return interest;
}

/**
 * Taste moves toward what held the user, keeping its length: `interest += drift * signal *
 * strength * e`, then rescaled to `strength`. `signal` is 1 for a long view, 2 for a purchase.
 */
export function driftToward(interest: Float32Array, item: CatalogItem, signal: number, drift: number, strength: number): void {
  const step = drift * signal * strength;
  let n2 = 0;
  for (let d = 0; d < interest.length; d++) {
    interest[d]! += step * item.embedding[d]!;
    n2 += interest[d]! * interest[d]!;
  }
  const scale = n2 > 0 ? strength / Math.sqrt(n2) : 0;
  for (let d = 0; d < interest.length; d++) interest[d]! *= scale;
}
