import type { CandidateRow } from '../types.js';

/** Tests and benchmarks draw from the simulator's seeded streams, so they are reproducible from their seed. */
export { seededRandom } from '../../sim/random.js';

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
