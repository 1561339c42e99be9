import { details, SwiperankError, show } from '../errors.js';
import type { Feedback, IngestResult, PersonalizationOptions, RemoveResult, ResetOptions } from '../types.js';
import type { LastShown } from './lookahead.js';
import { feedbackSignal, updateInterest, updateSatiation } from './personalize.js';
import { CandidatePool, copyCandidate } from './pool.js';
import { ShownIds } from './shown.js';
import type { CandidateBatch } from '../types.js';
import { validateBatch, type CandidateBatchColumns } from './validate.js';

/** The session as it is saved and handed to a restarted worker: compact, typed, cloneable. */
export interface SessionSnapshot {
  version: 2;
  embeddingDim: number;
  /** The interest state `u`. */
  interest: Float64Array;
  /** Satiation `h` (absent in records written before it existed: restored as none). */
  satiation?: Float64Array;
  /** Hashes of the shown ids (see `idHash`), oldest first. */
  shown: Uint32Array;
  last: { embedding: Float64Array; category: number; hasCategory: boolean } | null;
}

/** What a restarted worker gets back: the session and the plannable pool, in pool order. */
export interface SessionRestore {
  session: SessionSnapshot;
  pool: CandidateBatchColumns;
}

function checkFeedback(event: Feedback): void {
  const bad = (field: string, value: unknown, rule: string): never => {
    const path = field ? `feedback.${field}` : 'feedback';
    throw new SwiperankError('INVALID_CANDIDATE', `${path} ${rule}, got ${show(value)}`,
      details({ id: typeof event?.id === 'string' ? event.id : undefined, field: path, value, rule }));
  };
  if (typeof event !== 'object' || event === null) bad('', event, 'must be { id, dwellMs, converted? }');
  if (typeof event.id !== 'string' || event.id.length === 0) bad('id', event.id, 'must be a non-empty string');
  if (typeof event.dwellMs !== 'number' || !Number.isFinite(event.dwellMs) || event.dwellMs < 0) {
    bad('dwellMs', event.dwellMs, 'must be a finite number >= 0');
  }
  if (event.converted !== undefined && typeof event.converted !== 'boolean') bad('converted', event.converted, 'must be a boolean');
  if (event.longView !== undefined && typeof event.longView !== 'boolean') bad('longView', event.longView, 'must be a boolean');
}

/** Checks `remove()`'s argument: an array of ids. */
export function checkIds(ids: unknown): string[] {
  if (!Array.isArray(ids)) {
    throw new SwiperankError('INVALID_CANDIDATE', `remove() takes an array of ids, got ${show(ids)}`, details({ field: 'ids', value: ids }));
  }
  ids.forEach((id: unknown, row) => {
    if (typeof id !== 'string' || id.length === 0) {
      throw new SwiperankError('INVALID_CANDIDATE', `remove(): ids[${row}] must be a non-empty string, got ${show(id)}`,
        details({ row, field: 'id', value: id }));
    }
  });
  return ids as string[];
}

/**
 * Everything a session knows, apart from the backend: the pool, the interest state, the shown
 * ids and the last shown item. The worker's engine runs on one; the page keeps an identical one,
 * fed the same accepted calls, to restart a worker that died without repeating anything.
 */
export class SessionState {
  readonly pool: CandidatePool;
  readonly interest: Float64Array;
  /** Satiation `h`: recently shown embeddings, decayed (docs/MODEL.md#personalisation). */
  readonly satiation: Float64Array;
  readonly shown = new ShownIds();
  last: LastShown | null = null;

  constructor(readonly dim: number) {
    this.pool = new CandidatePool(dim);
    this.interest = new Float64Array(dim);
    this.satiation = new Float64Array(dim);
  }

  readonly isShown = (id: string): boolean => this.shown.has(id);

  /** Validates a batch for this session's `embeddingDim`, without applying it. */
  validate(batch: CandidateBatch): CandidateBatchColumns {
    return validateBatch(batch, this.dim);
  }

  /** Applies a validated batch; throws before any change if it cannot. */
  ingest(columns: CandidateBatchColumns, maxPoolSize: number): IngestResult {
    const counts = this.pool.preview(columns, this.isShown, maxPoolSize);
    this.pool.apply(columns, this.isShown, maxPoolSize);
    return { ...counts, poolSize: this.pool.eligibleCount };
  }

  /** Records what happened to a shown item: marks it shown and moves the interest state. */
  feedback(event: Feedback, personalization: PersonalizationOptions | false): void {
    checkFeedback(event);
    if (this.shown.has(event.id)) {
      throw new SwiperankError('ALREADY_SHOWN', `feedback.id ${show(event.id)} was already reported as shown`,
        details({ id: event.id, field: 'feedback.id', value: event.id }));
    }
    this.shown.add(event.id);
    const at = this.pool.indexOf(event.id);
    if (at < 0) {
      // Shown by the page but never ingested: nothing known to learn from or to avoid after it.
      this.last = null;
      return;
    }
    const dim = this.dim;
    if (personalization !== false && dim > 0) {
      updateInterest(this.interest, this.pool.embedding, at * dim, feedbackSignal(event, personalization), personalization);
      updateSatiation(this.satiation, this.pool.embedding, at * dim, personalization.satiationDecay);
    }
    this.last = {
      embedding: this.pool.embedding.slice(at * dim, (at + 1) * dim),
      category: this.pool.category[at]!,
      hasCategory: this.pool.hasCategory[at] === 1,
    };
    this.pool.markShown(at);
  }

  remove(ids: string[]): RemoveResult {
    let removed = 0;
    for (const id of ids) if (this.pool.remove(id)) removed++;
    return { removed, poolSize: this.pool.eligibleCount };
  }

  reset({ keepInterest = false, keepShown = true }: ResetOptions): void {
    this.pool.clear();
    this.last = null;
    this.satiation.fill(0);
    if (!keepInterest) this.interest.fill(0);
    if (!keepShown) this.shown.clear();
  }

  snapshot(): SessionSnapshot {
    return {
      version: 2,
      embeddingDim: this.dim,
      interest: this.interest.slice(),
      satiation: this.satiation.slice(),
      shown: this.shown.toArray(),
      last: this.last && { ...this.last, embedding: this.last.embedding.slice() },
    };
  }

  /** Takes over a saved session: shown ids are merged; interest and last item replace ours. */
  restore(s: SessionSnapshot): void {
    this.shown.merge(s.shown);
    if (s.embeddingDim === this.dim) {
      this.interest.set(s.interest);
      if (s.satiation?.length === this.dim) this.satiation.set(s.satiation);
      else this.satiation.fill(0);
      this.last = s.last && { ...s.last, embedding: Float64Array.from(s.last.embedding) };
    }
    for (let r = 0; r < this.pool.size; r++) {
      if (!this.pool.shown[r] && this.shown.has(this.pool.ids[r]!)) this.pool.markShown(r);
    }
  }

  /** The plannable candidates in pool order, as a batch: what a restarted worker ingests. */
  plannable(): CandidateBatchColumns {
    const p = this.pool, dim = this.dim, n = p.eligibleCount;
    const out: CandidateBatchColumns = {
      ids: new Array<string>(n), pCvr: new Float64Array(n), pVtr: new Float64Array(n), pSdr: new Float64Array(n),
      value: new Float64Array(n), category: new Uint32Array(n), hasCategory: new Uint8Array(n), embedding: new Float64Array(n * dim),
    };
    let w = 0;
    for (let r = 0; r < p.size; r++) {
      if (p.shown[r]) continue;
      out.ids[w] = p.ids[r]!;
      copyCandidate(out, w++, p, r, dim);
    }
    return out;
  }
}
