import type { CandidateRow } from 'swiperank';
import type { CatalogItem } from './catalog.js';

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
