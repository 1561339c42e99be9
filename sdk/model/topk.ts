/**
 * Keeps the best `k` of a stream of (score, index) offers, where better means a higher
 * score, and on equal scores a lower index: the one tie rule of stage 1 and of every
 * beam step. A binary heap with the worst kept entry at the root; allocation-free once built.
 */
export class TopK {
  private scores: Float64Array;
  private indices: Int32Array;
  private k = 0;
  count = 0;

  constructor(capacity = 64) {
    this.scores = new Float64Array(capacity);
    this.indices = new Int32Array(capacity);
  }

  reset(k: number): void {
    if (k > this.scores.length) {
      this.scores = new Float64Array(k);
      this.indices = new Int32Array(k);
    }
    this.k = k;
    this.count = 0;
  }

  /** True if entry a ranks below entry b. */
  private worse(sa: number, ia: number, sb: number, ib: number): boolean {
    return sa < sb || (sa === sb && ia > ib);
  }

  /** The lowest score kept once `k` entries are held; -Infinity before. */
  threshold(): number {
    return this.count < this.k || this.k === 0 ? -Infinity : this.scores[0]!;
  }

  offer(score: number, index: number): void {
    const s = this.scores, ix = this.indices;
    if (this.count < this.k) {
      let at = this.count++;
      while (at > 0) {
        const parent = (at - 1) >> 1;
        if (!this.worse(score, index, s[parent]!, ix[parent]!)) break;
        s[at] = s[parent]!;
        ix[at] = ix[parent]!;
        at = parent;
      }
      s[at] = score;
      ix[at] = index;
      return;
    }
    if (this.k === 0 || !this.worse(s[0]!, ix[0]!, score, index)) return;
    this.siftDown(0, score, index, this.count);
  }

  private siftDown(from: number, score: number, index: number, n: number): void {
    const s = this.scores, ix = this.indices;
    let at = from;
    for (;;) {
      const left = 2 * at + 1;
      if (left >= n) break;
      const right = left + 1;
      let child = left;
      if (right < n && this.worse(s[right]!, ix[right]!, s[left]!, ix[left]!)) child = right;
      if (!this.worse(s[child]!, ix[child]!, score, index)) break;
      s[at] = s[child]!;
      ix[at] = ix[child]!;
      at = child;
    }
    s[at] = score;
    ix[at] = index;
  }

  /** Writes the kept indices best first into `out` (and scores into `outScores`); returns the count. Empties the heap. */
  drain(out: Int32Array, outScores?: Float64Array): number {
    const n = this.count;
    for (let end = n - 1; end >= 0; end--) {
      out[end] = this.indices[0]!;
      if (outScores) outScores[end] = this.scores[0]!;
      const lastScore = this.scores[end]!, lastIndex = this.indices[end]!;
      this.siftDown(0, lastScore, lastIndex, end);
    }
    this.count = 0;
    return n;
  }
}
