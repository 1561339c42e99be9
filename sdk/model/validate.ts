import { details, SwiperankError, show } from '../errors.js';
import { LIMITS } from '../limits.js';
import type { CandidateBatch, CandidateColumns, CandidateRow } from '../types.js';

/** A validated batch in columns, embeddings already L2-normalised. */
export interface CandidateBatchColumns {
  ids: string[];
  pCvr: Float64Array;
  pVtr: Float64Array;
  pSdr: Float64Array;
  value: Float64Array;
  category: Uint32Array;
  hasCategory: Uint8Array;
  /** `ids.length * embeddingDim`, row-major. */
  embedding: Float64Array;
}

const UINT32_MAX = 0xffff_ffff;

function where(id: unknown, row: number): string {
  return typeof id === 'string' && id.length > 0 ? `candidate ${show(id)} (row ${row})` : `candidate at row ${row}`;
}

function invalid(id: unknown, row: number, field: string, value: unknown, rule: string): never {
  throw new SwiperankError('INVALID_CANDIDATE', `${where(id, row)}: ${field} ${rule}, got ${show(value)}`,
    details({ id: typeof id === 'string' ? id : undefined, row, field, value, rule }));
}

function badColumn(field: string, value: unknown, message: string): never {
  throw new SwiperankError('INVALID_CANDIDATE', message, details({ field, value }));
}

function probability(id: string, row: number, field: string, v: unknown): number {
  if (typeof v !== 'number' || !Number.isFinite(v)) invalid(id, row, field, v, 'must be a finite number');
  if (v < 0 || v > 1) invalid(id, row, field, v, 'must be in [0, 1]');
  return v;
}

/** Empty batch columns for `n` candidates. */
function allocate(n: number, dim: number): CandidateBatchColumns {
  return {
    ids: new Array<string>(n),
    pCvr: new Float64Array(n),
    pVtr: new Float64Array(n),
    pSdr: new Float64Array(n),
    value: new Float64Array(n).fill(1),
    category: new Uint32Array(n),
    hasCategory: new Uint8Array(n),
    embedding: new Float64Array(n * dim),
  };
}

/** Writes one candidate into row `row` of `out`, validating every field on the way. */
function put(
  out: CandidateBatchColumns, row: number, dim: number, seen: Set<string>,
  id: unknown, pCvr: unknown, pVtr: unknown, pSdr: unknown,
  value: unknown, category: unknown, embedding: ArrayLike<unknown> | undefined, embeddingOffset: number,
): void {
  if (typeof id !== 'string' || id.length === 0) invalid(id, row, 'id', id, 'must be a non-empty string');
  if (seen.has(id)) {
    throw new SwiperankError('DUPLICATE_ID', `${where(id, row)}: id ${show(id)} appears more than once in the batch`,
      details({ id, row, field: 'id', value: id, rule: 'must appear once in the batch' }));
  }
  seen.add(id);
  out.ids[row] = id;
  out.pCvr[row] = probability(id, row, 'pCvr', pCvr);
  out.pVtr[row] = probability(id, row, 'pVtr', pVtr);
  out.pSdr[row] = probability(id, row, 'pSdr', pSdr);
  if (value !== undefined) {
    if (typeof value !== 'number' || !Number.isFinite(value)) invalid(id, row, 'value', value, 'must be a finite number');
    // value^gamma must stay finite in float32 on the GPU for any sane gamma: prices fit easily.
    if (value <= 0 || value > LIMITS.maxValue) invalid(id, row, 'value', value, `must be in (0, ${LIMITS.maxValue}]`);
    out.value[row] = value;
  }
  if (category !== undefined) {
    if (typeof category !== 'number' || !Number.isInteger(category) || category < 0 || category > UINT32_MAX) {
      invalid(id, row, 'category', category, 'must be an integer in [0, 4294967295]');
    }
    out.category[row] = category;
    out.hasCategory[row] = 1;
  }
  if (embedding !== undefined) {
    const base = row * dim;
    let largest = 0;
    for (let k = 0; k < dim; k++) {
      const x = embedding[embeddingOffset + k];
      if (typeof x !== 'number' || !Number.isFinite(x)) {
        invalid(id, row, `embedding[${k}]`, x, 'must be a finite number');
      }
      out.embedding[base + k] = x;
      largest = Math.max(largest, Math.abs(x));
    }
    // Scaled by the largest entry first, so 1e300 does not overflow the sum of squares, nor 1e-300 underflow it.
    if (largest > 0) {
      let norm2 = 0;
      for (let k = 0; k < dim; k++) {
        const x = out.embedding[base + k]! / largest;
        out.embedding[base + k] = x;
        norm2 += x * x;
      }
      const inv = 1 / Math.sqrt(norm2);
      for (let k = 0; k < dim; k++) out.embedding[base + k]! *= inv;
    }
  }
}

function checkCount(n: number): void {
  if (n > LIMITS.poolSize) {
    throw new SwiperankError('LIMIT_EXCEEDED', `batch has ${n} candidates; the pool holds at most ${LIMITS.poolSize}`,
      { field: 'batch.length', value: n });
  }
}

function validateRows(rows: CandidateRow[], dim: number): CandidateBatchColumns {
  checkCount(rows.length);
  const out = allocate(rows.length, dim);
  const seen = new Set<string>();
  for (let i = 0; i < rows.length; i++) {
    const r = rows[i] as CandidateRow | null;
    if (typeof r !== 'object' || r === null) invalid(undefined, i, 'row', r, 'must be an object');
    const e = r.embedding;
    if (e !== undefined) {
      if (e === null || typeof e !== 'object' || typeof e.length !== 'number') {
        invalid(r.id, i, 'embedding', e, `must be an array of length embeddingDim (${dim})`);
      }
      if (e.length !== dim) invalid(r.id, i, 'embedding.length', e.length, `must equal embeddingDim (${dim})`);
    }
    put(out, i, dim, seen, r.id, r.pCvr, r.pVtr, r.pSdr, r.value, r.category, e, 0);
  }
  return out;
}

function column(name: string, c: unknown, n: number, perRow = 1): ArrayLike<unknown> {
  if (c === null || typeof c !== 'object' || typeof (c as ArrayLike<unknown>).length !== 'number') {
    badColumn(`columns.${name}`, c, `columns.${name} must be an array or typed array, got ${show(c)}`);
  }
  const len = (c as ArrayLike<unknown>).length;
  if (len !== n * perRow) {
    badColumn(`columns.${name}.length`, len,
      `columns.${name} has length ${len}, expected ${n * perRow}${perRow > 1 ? ` (${n} ids x embeddingDim ${perRow})` : ` (one per id)`}`);
  }
  return c as ArrayLike<unknown>;
}

function validateColumns(cols: CandidateColumns, dim: number): CandidateBatchColumns {
  if (!Array.isArray(cols.id)) {
    badColumn('columns.id', cols.id, `columns.id must be an array of strings, got ${show(cols.id)}`);
  }
  const n = cols.id.length;
  checkCount(n);
  const pCvr = column('pCvr', cols.pCvr, n);
  const pVtr = column('pVtr', cols.pVtr, n);
  const pSdr = column('pSdr', cols.pSdr, n);
  const value = cols.value === undefined ? undefined : column('value', cols.value, n);
  const category = cols.category === undefined ? undefined : column('category', cols.category, n);
  if (cols.embedding !== undefined && dim === 0) {
    badColumn('columns.embedding', cols.embedding, 'columns.embedding given but embeddingDim is 0');
  }
  const embedding = cols.embedding === undefined ? undefined : column('embedding', cols.embedding, n, dim);
  const out = allocate(n, dim);
  const seen = new Set<string>();
  for (let i = 0; i < n; i++) {
    put(out, i, dim, seen, cols.id[i], pCvr[i], pVtr[i], pSdr[i], value?.[i], category?.[i], embedding, i * dim);
  }
  return out;
}

/** Validates a whole batch (rows or columns) before anything is applied; throws on the first bad field. */
export function validateBatch(batch: CandidateBatch, embeddingDim: number): CandidateBatchColumns {
  if (Array.isArray(batch)) return validateRows(batch, embeddingDim);
  if (batch !== null && typeof batch === 'object') return validateColumns(batch, embeddingDim);
  return badColumn('batch', batch, `ingest() takes an array of rows or an object of columns, got ${show(batch)}`);
}
