import type { CandidateRow } from '../types.js';

/** A small seeded PRNG (mulberry32): tests and benchmarks are reproducible from their seed. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface InstanceShape {
  size: number;
  embeddingDim: number;
  /** Number of distinct categories; 0 leaves items without one. */
  categories?: number;
  idPrefix?: string;
}

/** Random candidate rows shaped like a server page: low pCvr, spread pVtr and pSdr. */
export function randomRows(random: () => number, shape: InstanceShape): CandidateRow[] {
  const { size, embeddingDim, categories = 4, idPrefix = 'c' } = shape;
  const rows: CandidateRow[] = [];
  for (let i = 0; i < size; i++) {
    const row: CandidateRow = {
      id: `${idPrefix}${i}`,
      pCvr: 0.3 * random() * random(),
      pVtr: random(),
      pSdr: 0.3 + 0.69 * random(),
      value: 0.5 + 2 * random(),
    };
    if (categories > 0) row.category = Math.floor(random() * categories);
    if (embeddingDim > 0) row.embedding = Array.from({ length: embeddingDim }, () => random() * 2 - 1);
    rows.push(row);
  }
  return rows;
}
