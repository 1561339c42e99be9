import { LIMITS } from '../limits.js';

/**
 * A 32-bit hash of an id (FNV-1a over UTF-16 code units, then a murmur3 finaliser to spread it).
 * Two ids that share a hash count as one: a collision can skip an unshown candidate, never
 * repeat a shown one.
 */
export function idHash(id: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < id.length; i++) {
    h ^= id.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/**
 * The ids shown this session, as hashes in arrival order (a ring of `capacity`): compact to
 * keep, persist and send to a restarted worker (4 bytes an id). Past `capacity` the oldest drop.
 */
export class ShownIds {
  private readonly ring: Uint32Array;
  /** Next write position in `ring`. */
  private head = 0;
  size = 0;
  /** How many times each hash sits in the ring (a hash can be added again after a collision). */
  private readonly counts = new Map<number, number>();

  constructor(readonly capacity: number = LIMITS.shownIds) {
    this.ring = new Uint32Array(capacity);
  }

  has(id: string): boolean {
    return this.counts.has(idHash(id));
  }

  hasHash(hash: number): boolean {
    return this.counts.has(hash);
  }

  add(id: string): void {
    this.addHash(idHash(id));
  }

  addHash(hash: number): void {
    if (this.size === this.capacity) {
      const oldest = this.ring[this.head]!;
      const n = this.counts.get(oldest)!;
      if (n === 1) this.counts.delete(oldest);
      else this.counts.set(oldest, n - 1);
    } else {
      this.size++;
    }
    this.ring[this.head] = hash;
    this.head = (this.head + 1) % this.capacity;
    this.counts.set(hash, (this.counts.get(hash) ?? 0) + 1);
  }

  /** Hashes oldest first, in a new array. */
  toArray(): Uint32Array {
    const out = new Uint32Array(this.size);
    const start = (this.head - this.size + this.capacity) % this.capacity;
    for (let i = 0; i < this.size; i++) out[i] = this.ring[(start + i) % this.capacity]!;
    return out;
  }

  /** Adds hashes (oldest first) that are not here yet, so merging another tab's ids adds no duplicates. */
  merge(hashes: ArrayLike<number>): void {
    for (let i = 0; i < hashes.length; i++) if (!this.counts.has(hashes[i]!)) this.addHash(hashes[i]!);
  }

  clear(): void {
    this.counts.clear();
    this.head = 0;
    this.size = 0;
  }
}
