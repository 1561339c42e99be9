import { SwiperankError } from '../errors.js';
import { LIMITS } from '../limits.js';
import type { CandidateBatchColumns } from './validate.js';

/** The per-candidate columns a pool and a validated batch share. */
type CandidateFields = Pick<CandidateBatchColumns, 'pCvr' | 'pVtr' | 'pSdr' | 'value' | 'category' | 'hasCategory' | 'embedding'>;

/** Copies one candidate's fields from row `from` of `src` to row `to` of `dst`. */
export function copyCandidate(dst: CandidateFields, to: number, src: CandidateFields, from: number, dim: number): void {
  dst.pCvr[to] = src.pCvr[from]!;
  dst.pVtr[to] = src.pVtr[from]!;
  dst.pSdr[to] = src.pSdr[from]!;
  dst.value[to] = src.value[from]!;
  dst.category[to] = src.category[from]!;
  dst.hasCategory[to] = src.hasCategory[from]!;
  dst.embedding.set(src.embedding.subarray(from * dim, (from + 1) * dim), to * dim);
}

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
  /** 1 where a slot can no longer be planned: shown, removed or evicted (dropped at compaction). */
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
   * Counts what applying `batch` would do, and throws LIMIT_EXCEEDED before anything changes
   * if the batch alone holds more plannable candidates than `maxPoolSize`. `isShown` filters
   * ids shown earlier. `evicted`: the oldest unshown candidates that make room for the new ones.
   */
  preview(batch: CandidateBatchColumns, isShown: (id: string) => boolean, maxPoolSize: number = LIMITS.poolSize) {
    let added = 0, updated = 0, skippedShown = 0;
    for (const id of batch.ids) {
      const at = this.index.get(id);
      if (at !== undefined && !this.shown[at]) updated++;
      else if (at !== undefined || isShown(id)) skippedShown++;
      else added++;
    }
    if (added + updated > maxPoolSize) {
      throw new SwiperankError('LIMIT_EXCEEDED',
        `the batch holds ${added + updated} candidates that can be planned; maxPoolSize is ${maxPoolSize}`,
        { field: 'maxPoolSize', value: added + updated });
    }
    const evicted = Math.max(0, this.eligibleCount + added - maxPoolSize);
    return { added, updated, skippedShown, evicted };
  }

  /**
   * Adds new ids and replaces the fields of known ones; shown ids are left alone. Past
   * `maxPoolSize`, the oldest unshown candidates the batch does not update are evicted first.
   */
  apply(batch: CandidateBatchColumns, isShown: (id: string) => boolean, maxPoolSize: number = LIMITS.poolSize): void {
    const { added, evicted } = this.preview(batch, isShown, maxPoolSize);
    if (evicted > 0) this.evictOldest(evicted, new Set(batch.ids));
    if (this.size + added > this.capacity) this.compact();
    // Doubling, but not past maxPoolSize: a full pool compacts instead (once per batch, O(pool)).
    if (this.size + added > this.capacity) this.grow(Math.max(Math.min(this.capacity * 2, maxPoolSize), this.size + added));
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
      copyCandidate(this, at, batch, row, dim);
    }
    this.version++;
  }

  /** Drops the `count` oldest unshown candidates whose ids are not in `keep`. */
  private evictOldest(count: number, keep: ReadonlySet<string>): void {
    for (let r = 0; r < this.size && count > 0; r++) {
      if (this.shown[r] || keep.has(this.ids[r]!)) continue;
      this.drop(r);
      count--;
    }
  }

  /** Takes an unshown candidate out of the pool; its id may be ingested again later. */
  remove(id: string): boolean {
    const at = this.index.get(id);
    if (at === undefined || this.shown[at]) return false;
    this.drop(at);
    return true;
  }

  private drop(at: number): void {
    this.index.delete(this.ids[at]!);
    this.shown[at] = 1;
    this.eligibleCount--;
    this.shownVersion++;
  }

  /** Empties the pool (capacity is kept). */
  clear(): void {
    this.index.clear();
    this.ids.length = 0;
    this.size = 0;
    this.eligibleCount = 0;
    this.version++;
    this.shownVersion++;
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
        // A removed id may already be back at a later slot: only this slot's entry goes.
        if (this.index.get(id) === r) this.index.delete(id);
        continue;
      }
      if (w !== r) {
        this.ids[w] = id;
        this.index.set(id, w);
        copyCandidate(this, w, this, r, dim);
        this.shown[w] = 0;
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
