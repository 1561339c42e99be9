import { isSwiperankError, type CandidateRow, type IngestResult } from 'swiperank';
import { candidateRow } from '../../sim/index.js';
import type { WireCandidate } from '../catalog.js';

/** A candidate row left out of a page: the demo could not display it, or the reranker rejected it. */
export interface DroppedRow {
  /** Cursor of the page it came in. */
  page: number;
  /** Its index in that page, as the server sent it. */
  row: number;
  id: string | null;
  reason: string;
}

export interface FetchedPage {
  /** The rows kept, in server order. */
  candidates: WireCandidate[];
  dropped: DroppedRow[];
  /** What the reranker said of the kept rows; null without an `ingest` (or with nothing left to ingest). */
  ingested: IngestResult | null;
}

const describe = (value: unknown): string => {
  if (value === null || value === undefined || typeof value !== 'object') {
    const text = typeof value === 'string' ? JSON.stringify(value) : String(value);
    return text.length > 40 ? `${text.slice(0, 40)}…` : text;
  }
  return Array.isArray(value) ? `an array of ${value.length}` : 'an object';
};

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * Why `value` cannot be shown as a candidate, or null if it can: every field of
 * `WireCandidate` is there with its type (ids and text are shown as text only). Ranges of
 * the model scores are the reranker's to check, with its own messages.
 */
export function candidateProblem(value: unknown, embeddingDim: number): string | null {
  if (!isRecord(value)) return `must be an object, got ${describe(value)}`;
  const c = value;
  if (typeof c.id !== 'string' || c.id.length === 0 || c.id.length > 256) return `id must be a string of 1 to 256 characters, got ${describe(c.id)}`;
  for (const field of ['title', 'categoryName'] as const) {
    if (typeof c[field] !== 'string') return `${field} must be a string, got ${describe(c[field])}`;
  }
  if (typeof c.category !== 'number' || !Number.isInteger(c.category) || c.category < 0) {
    return `category must be an integer >= 0, got ${describe(c.category)}`;
  }
  for (const field of ['price', 'pCvr', 'pVtr', 'pSdr'] as const) {
    if (typeof c[field] !== 'number' || !Number.isFinite(c[field])) return `${field} must be a finite number, got ${describe(c[field])}`;
  }
  if (!Array.isArray(c.embedding) || c.embedding.length !== embeddingDim
    || !c.embedding.every((x) => typeof x === 'number' && Number.isFinite(x))) {
    return `embedding must be ${embeddingDim} finite numbers, got ${describe(c.embedding)}`;
  }
  return null;
}

/** The batch row a rejection names, if the SDK rejected one row of it (a rejected batch changes nothing). */
function rejectedRow(e: unknown, batch: WireCandidate[]): { index: number; reason: string } | null {
  if (!isSwiperankError(e) || (e.code !== 'INVALID_CANDIDATE' && e.code !== 'DUPLICATE_ID')) return null;
  const { row: index, field, rule, value } = e.details;
  if (index === undefined || !Number.isInteger(index) || index < 0 || index >= batch.length) return null;
  // The panel names the candidate and its row itself: the reason is the field, its rule and the value.
  const got = typeof value === 'string' ? JSON.stringify(value) : String(value);
  return { index, reason: field && rule ? `${field} ${rule}, got ${got}` : e.message };
}

/** Pages of one session from the candidate server, in the order the server ranked them. */
export class CandidateSource {
  /** Every candidate kept so far, for display. */
  readonly byId = new Map<string, WireCandidate>();
  /** Ids in server order across pages (the "server order" strategy walks this). */
  readonly serverOrder: string[] = [];
  private cursor: number | null = 0;

  constructor(readonly session: string, private readonly embeddingDim: number) {}

  get exhausted(): boolean {
    return this.cursor === null;
  }

  /**
   * The next page, or null after the last one. With `ingest`, its rows go to the reranker
   * first; a row the reranker rejects is dropped and the rest sent again. Only once that
   * succeeds does the cursor move on and the page count as fetched, so a failure anywhere
   * (network, a malformed page, the reranker) leaves this page to be fetched again.
   */
  async next(ingest?: (rows: CandidateRow[]) => Promise<IngestResult>): Promise<FetchedPage | null> {
    const cursor = this.cursor;
    if (cursor === null) return null;
    const query = new URLSearchParams({ session: this.session, cursor: String(cursor) });
    const response = await fetch(`api/candidates?${query}`);
    if (!response.ok) throw new Error(`candidate server answered ${response.status} for page ${cursor}`);
    let body: unknown;
    try {
      body = await response.json();
    } catch {
      throw new Error(`candidate server sent page ${cursor} as something other than JSON`);
    }
    if (!isRecord(body)) throw new Error(`candidate server sent page ${cursor} as ${describe(body)}, not an object`);
    const { candidates, nextCursor } = body;
    if (!Array.isArray(candidates)) throw new Error(`candidate server page ${cursor}: candidates must be an array, got ${describe(candidates)}`);
    if (nextCursor !== null && !(typeof nextCursor === 'number' && Number.isInteger(nextCursor) && nextCursor > cursor)) {
      throw new Error(`candidate server page ${cursor}: nextCursor must be null or an integer > ${cursor}, got ${describe(nextCursor)}`);
    }

    const dropped: DroppedRow[] = [];
    let kept: { c: WireCandidate; row: number }[] = [];
    candidates.forEach((value: unknown, row) => {
      const problem = candidateProblem(value, this.embeddingDim);
      if (problem === null) kept.push({ c: value as WireCandidate, row });
      else dropped.push({ page: cursor, row, id: isRecord(value) && typeof value.id === 'string' ? value.id : null, reason: problem });
    });
    let ingested: IngestResult | null = null;
    while (ingest && kept.length > 0) {
      const batch = kept.map((k) => k.c);
      try {
        ingested = await ingest(batch.map(candidateRow));
        break;
      } catch (e) {
        const rejected = rejectedRow(e, batch);
        if (!rejected) throw e;
        const { c, row } = kept[rejected.index]!;
        dropped.push({ page: cursor, row, id: c.id, reason: rejected.reason });
        kept = kept.filter((_, i) => i !== rejected.index);
      }
    }

    this.cursor = nextCursor;
    for (const { c } of kept) {
      if (!this.byId.has(c.id)) this.serverOrder.push(c.id);
      this.byId.set(c.id, c);
    }
    return { candidates: kept.map((k) => k.c), dropped, ingested };
  }
}
