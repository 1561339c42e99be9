import type { Feedback } from 'swiperank';
import { seededRandom } from '../../sim/index.js';

/** A server page as columns, with every optional field present (what the bench ingests). */
export interface PoolColumns {
  id: string[];
  pCvr: Float64Array;
  pVtr: Float64Array;
  pSdr: Float64Array;
  value: Float64Array;
  category: Uint32Array;
  /** Row-major, `id.length * embeddingDim`, not normalised (the SDK and the peers normalise). */
  embedding: Float64Array;
}

/** Candidates shaped like a shopping feed page: rare conversions, spread view and swipe rates. */
export function generatePool(size: number, embeddingDim: number, seed: number, categories = 24): PoolColumns {
  const random = seededRandom(seed);
  const cols: PoolColumns = {
    id: new Array<string>(size),
    pCvr: new Float64Array(size),
    pVtr: new Float64Array(size),
    pSdr: new Float64Array(size),
    value: new Float64Array(size),
    category: new Uint32Array(size),
    embedding: new Float64Array(size * embeddingDim),
  };
  for (let i = 0; i < size; i++) {
    cols.id[i] = `item-${i}`;
    cols.pCvr[i] = 0.2 * random() * random();
    cols.pVtr[i] = random();
    cols.pSdr[i] = 0.3 + 0.69 * random();
    cols.value[i] = 0.5 + 3 * random();
    cols.category[i] = Math.floor(random() * categories);
    for (let d = 0; d < embeddingDim; d++) cols.embedding[i * embeddingDim + d] = 2 * random() - 1;
  }
  return cols;
}

/** A fresh copy: the SDK takes typed columns by transfer, which detaches the caller's buffers. */
export function copyPool(cols: PoolColumns): PoolColumns {
  return {
    id: cols.id.slice(),
    pCvr: cols.pCvr.slice(),
    pVtr: cols.pVtr.slice(),
    pSdr: cols.pSdr.slice(),
    value: cols.value.slice(),
    category: cols.category.slice(),
    embedding: cols.embedding.slice(),
  };
}

/**
 * What the user did with the item shown at `step`: a mix of skips, views, long views and
 * purchases, so the interest state keeps moving and personalisation is exercised.
 */
export function behaviour(random: () => number, id: string): Feedback {
  const r = random();
  if (r < 0.25) return { id, dwellMs: 400 + 800 * random() };
  if (r < 0.6) return { id, dwellMs: 1_800 + 2_000 * random() };
  if (r < 0.92) return { id, dwellMs: 4_500 + 6_000 * random() };
  return { id, dwellMs: 6_000 + 4_000 * random(), converted: true };
}
