import type { CandidateRow } from '../../sdk/index.js';
import type { CandidatePage, WireCandidate } from '../catalog.js';

/** Pages of one session from the candidate server, in the order the server ranked them. */
export class CandidateSource {
  /** Every candidate fetched so far, for display. */
  readonly byId = new Map<string, WireCandidate>();
  /** Ids in server order across pages (the "server order" strategy walks this). */
  readonly serverOrder: string[] = [];
  private cursor: number | null = 0;

  constructor(readonly session: string) {}

  get exhausted(): boolean {
    return this.cursor === null;
  }

  /** The next page, or null after the last one. */
  async next(): Promise<WireCandidate[] | null> {
    if (this.cursor === null) return null;
    const query = new URLSearchParams({ session: this.session, cursor: String(this.cursor) });
    const response = await fetch(`api/candidates?${query}`);
    if (!response.ok) throw new Error(`candidate server answered ${response.status} for page ${this.cursor}`);
    const page = await response.json() as CandidatePage;
    this.cursor = page.nextCursor;
    for (const c of page.candidates) {
      if (!this.byId.has(c.id)) this.serverOrder.push(c.id);
      this.byId.set(c.id, c);
    }
    return page.candidates;
  }
}

/** What the reranker ingests: model scores, price as value, category and embedding. */
export function toRows(candidates: WireCandidate[]): CandidateRow[] {
  return candidates.map((c) => ({
    id: c.id, pCvr: c.pCvr, pVtr: c.pVtr, pSdr: c.pSdr, value: c.price, category: c.category, embedding: c.embedding,
  }));
}
