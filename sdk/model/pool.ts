import { SwiperankError } from '../errors.js';
import { LIMITS } from '../limits.js';
import type { CandidateBatchColumns } from './validate.js';

/**
 * The columnar candidate pool. Pool index order is arrival order and is what every
 * tie rule refers to; shown candidates are marked, then dropped by an order-keeping
 * compaction, so ties never change meaning.
 */
export class CandidatePool {
  readonly dim: number;
  capacity = 0;
  /** Slots in use, shown ones included until compaction. */
  size = 0;
  /** Candidates not yet shown. */
  eligibleCount = 0;
  /** Bumped whenever candidate data or indices change (not when only `shown` changes). */
  version = 0;
  /** Bumped whenever `shown` changes. */
  shownVersion = 0;
  ids: string[] = [];
  pCvr = new Float64Array(0);
  pVtr = new Float64Array(0);
  pSdr = new Float64Array(0);
  value = new Float64Array(0);
  category = new Uint32Array(0);
  hasCategory = new Uint8Array(0);
  shown = new Uint8Array(0);
  /** `capacity * dim`, row-major, L2-normalised or zero. */
  embedding = new Float64Array(0);
  private readonly index = new Map<string, number>();

  constructor(dim: number) {
    this.dim = dim;
    this.grow(64);
  }

  indexOf(id: string): number {
    return this.index.get(id) ?? -1;
  }

  /**
   * Counts what applying `batch` would do, and throws LIMIT_EXCEEDED before anything
   * changes if the eligible pool would pass its limit. `isShown` filters ids shown earlier.
   */
  preview(batch: CandidateBatchColumns, isShown: (id: string) => boolean) {
    let added = 0, updated = 0, skippedShown = 0;
    for (const id of batch.ids) {
      const at = this.index.get(id);
      if (at !== undefined && !this.shown[at]) updated++;
      else if (at !== undefined || isShown(id)) skippedShown++;
      else added++;
    }
    if (this.eligibleCount + added > LIMITS.poolSize) {
      throw new SwiperankError('LIMIT_EXCEEDED',
        `ingest would make the pool ${this.eligibleCount + added} candidates; the limit is ${LIMITS.poolSize}`);
    }
    return { added, updated, skippedShown };
  }

  /** Adds new ids and replaces the fields of known ones; shown ids are left alone. */
  apply(batch: CandidateBatchColumns, isShown: (id: string) => boolean): void {
    const { added } = this.preview(batch, isShown);
    if (this.size + added > this.capacity) this.compact();
    if (this.size + added > this.capacity) this.grow(Math.max(this.capacity * 2, this.size + added));
    const dim = this.dim;
    for (let row = 0; row < batch.ids.length; row++) {
      const id = batch.ids[row]!;
      let at = this.index.get(id);
      if (at !== undefined && this.shown[at]) continue;
      if (at === undefined) {
        if (isShown(id)) continue;
        at = this.size++;
        this.index.set(id, at);
        this.ids[at] = id;
        this.shown[at] = 0;
        this.eligibleCount++;
      }
      this.pCvr[at] = batch.pCvr[row]!;
      this.pVtr[at] = batch.pVtr[row]!;
      this.pSdr[at] = batch.pSdr[row]!;
      this.value[at] = batch.value[row]!;
      this.category[at] = batch.category[row]!;
      this.hasCategory[at] = batch.hasCategory[row]!;
      this.embedding.set(batch.embedding.subarray(row * dim, (row + 1) * dim), at * dim);
    }
    this.version++;
  }

  /** Marks a candidate shown: it is never planned again. */
  markShown(at: number): void {
    if (this.shown[at]) return;
    this.shown[at] = 1;
    this.eligibleCount--;
    this.shownVersion++;
  }

  /** Drops shown candidates, keeping the order of the rest. */
  compact(): void {
    if (this.eligibleCount === this.size) return;
    const dim = this.dim;
    let w = 0;
    for (let r = 0; r < this.size; r++) {
      const id = this.ids[r]!;
      if (this.shown[r]) {
        this.index.delete(id);
        continue;
      }
      if (w !== r) {
        this.ids[w] = id;
        this.index.set(id, w);
        this.pCvr[w] = this.pCvr[r]!;
        this.pVtr[w] = this.pVtr[r]!;
        this.pSdr[w] = this.pSdr[r]!;
        this.value[w] = this.value[r]!;
        this.category[w] = this.category[r]!;
        this.hasCategory[w] = this.hasCategory[r]!;
        this.shown[w] = 0;
        this.embedding.copyWithin(w * dim, r * dim, (r + 1) * dim);
      }
      w++;
    }
    this.ids.length = w;
    this.size = w;
    this.version++;
    this.shownVersion++;
  }

  private grow(capacity: number): void {
    const copy = <T extends Float64Array | Uint32Array | Uint8Array>(old: T, make: (n: number) => T, per = 1): T => {
      const next = make(capacity * per);
      next.set(old.subarray(0, this.size * per));
      return next;
    };
    this.pCvr = copy(this.pCvr, (n) => new Float64Array(n));
    this.pVtr = copy(this.pVtr, (n) => new Float64Array(n));
    this.pSdr = copy(this.pSdr, (n) => new Float64Array(n));
    this.value = copy(this.value, (n) => new Float64Array(n));
    this.category = copy(this.category, (n) => new Uint32Array(n));
    this.hasCategory = copy(this.hasCategory, (n) => new Uint8Array(n));
    this.shown = copy(this.shown, (n) => new Uint8Array(n));
    this.embedding = copy(this.embedding, (n) => new Float64Array(n), this.dim);
    this.capacity = capacity;
  }
}
