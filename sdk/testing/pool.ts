import { CandidatePool } from '../model/pool.js';
import { validateBatch } from '../model/validate.js';
import type { CandidateRow } from '../types.js';

/** A pool holding `rows`, validated as `ingest` would, with nothing shown. */
export function poolOf(rows: CandidateRow[], embeddingDim: number): CandidatePool {
  const pool = new CandidatePool(embeddingDim);
  pool.apply(validateBatch(rows, embeddingDim), () => false);
  return pool;
}
