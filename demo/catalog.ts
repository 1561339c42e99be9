/**
 * The demo's synthetic catalog: the quality evaluation's seeded catalog, so the candidate
 * server (Node) and the autopilot's simulated user (browser) rebuild the same items from
 * the same options, and the user's true probabilities never travel over the wire.
 */
import {
  EVAL_CATALOG, EVAL_PAGES, makeCatalog, mixSeed, PageStream, serverOrder, type CatalogItem, type CatalogOptions,
} from '../sim/index.js';
import { fnv1a } from './hash.js';
import { categoryName, itemTitle } from './names.js';

/** The catalog of `npm run eval`, so the autopilot's figures compare with its report. */
export const CATALOG: Readonly<CatalogOptions> = EVAL_CATALOG;

export const PAGE_SIZE = EVAL_PAGES.pageSize;
/** Fetch the next page when fewer candidates than this are left to plan (as the evaluation does). */
export const REFILL_BELOW = EVAL_PAGES.refillBelow;

let built: CatalogItem[] | null = null;

/** Built on first use (a few ms), then shared. */
export function catalog(): CatalogItem[] {
  built ??= makeCatalog(CATALOG);
  return built;
}

/** A candidate as `/api/candidates` sends it: model scores and an embedding, no ground truth. */
export interface WireCandidate {
  id: string;
  title: string;
  category: number;
  categoryName: string;
  price: number;
  pCvr: number;
  pVtr: number;
  pSdr: number;
  embedding: number[];
}

export interface CandidatePage {
  session: string;
  cursor: number;
  /** Cursor of the next page; null after the last. */
  nextCursor: number | null;
  candidates: WireCandidate[];
}

/** What a session id may be: the page makes them, the candidate server checks them. */
export const SESSION_ID = /^[A-Za-z0-9_-]{1,64}$/;

/** A session id string becomes the seed of its page order (as a user seed does in the evaluation). */
export function sessionSeed(session: string): number {
  return mixSeed(fnv1a(session), 0x9a6e);
}

const round = (x: number, digits: number) => Number(x.toFixed(digits));

function toWire(item: CatalogItem): WireCandidate {
  return {
    id: item.id,
    title: itemTitle(item),
    category: item.category,
    categoryName: categoryName(item.category),
    price: item.price,
    pCvr: round(item.pCvr, 6),
    pVtr: round(item.pVtr, 6),
    pSdr: round(item.pSdr, 6),
    embedding: Array.from(item.embedding, (x) => round(x, 5)),
  };
}

/**
 * Page `cursor` of `session`: the evaluation's pages (`PageStream`, successive slices of a
 * seeded shuffle of the catalog, no item twice in a session), each sorted as its server ranks
 * them (`serverOrder`, by expected GMV `pCvr * price`). The server keeps no state: it draws
 * the stream again up to the page asked for.
 */
export function candidatePage(session: string, cursor: number, pageSize = PAGE_SIZE): CandidatePage {
  const items = catalog();
  const pages = new PageStream(items.length, sessionSeed(session));
  let page: number[] = [];
  for (let k = 0; k <= cursor && (k === 0 || page.length > 0); k++) page = pages.next(pageSize);
  const nextCursor = (cursor + 1) * pageSize < items.length ? cursor + 1 : null;
  return { session, cursor, nextCursor, candidates: serverOrder(items, page).map((i) => toWire(items[i]!)) };
}
