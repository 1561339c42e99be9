/**
 * The demo's synthetic catalog: the quality evaluation's seeded catalog, so the candidate
 * server (Node) and the autopilot's simulated user (browser) rebuild the same items from
 * the same options, and the user's true probabilities never travel over the wire.
 */
import { seededRandom } from '../sdk/testing/instances.js';
import { makeCatalog, mixSeed, type CatalogItem, type CatalogOptions } from '../bench/eval/simulator.js';

/** As in `npm run eval` (bench/eval/run.ts), so the autopilot's figures compare with its report. */
export const CATALOG: CatalogOptions = { size: 4_000, embeddingDim: 16, categories: 12, scoreNoise: 0.5, seed: 2026 };

export const PAGE_SIZE = 200;
/** Fetch the next page when fewer candidates than this are left to plan (as the evaluation does). */
export const REFILL_BELOW = 64;

/** Display names for `category` (the simulator's noun groups, in its order). */
export const CATEGORY_NAMES = [
  'Shoes', 'Outerwear', 'Audio', 'Beauty', 'Kitchen', 'Bags',
  'Home', 'Fitness', 'Toys', 'Jewellery', 'Phone', 'Stationery',
];

export function categoryName(category: number): string {
  return CATEGORY_NAMES[category % CATEGORY_NAMES.length] ?? `Category ${category}`;
}

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

/** FNV-1a: a session id string becomes the seed of its page order. */
export function sessionSeed(session: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < session.length; i++) h = Math.imul(h ^ session.charCodeAt(i), 0x01000193);
  return mixSeed(h >>> 0, 0x9a6e);
}

const round = (x: number, digits: number) => Number(x.toFixed(digits));

function toWire(item: CatalogItem): WireCandidate {
  return {
    id: item.id,
    title: item.title,
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
 * Page `cursor` of `session`: successive slices of a seeded shuffle of the catalog (no item
 * twice in a session), each sorted as the server ranks it, by expected GMV `pCvr * price`
 * (the quality evaluation's "server order").
 */
export function candidatePage(session: string, cursor: number, pageSize = PAGE_SIZE): CandidatePage {
  const items = catalog();
  const order = shuffled(items.length, sessionSeed(session), (cursor + 1) * pageSize);
  const page = order.slice(cursor * pageSize, (cursor + 1) * pageSize)
    .sort((a, b) => items[b]!.pCvr * items[b]!.price - items[a]!.pCvr * items[a]!.price || a - b);
  const nextCursor = (cursor + 1) * pageSize < items.length ? cursor + 1 : null;
  return { session, cursor, nextCursor, candidates: page.map((i) => toWire(items[i]!)) };
}

/** The first `count` entries of a seeded Fisher–Yates shuffle of 0..n-1. */
function shuffled(n: number, seed: number, count: number): number[] {
  const order = Array.from({ length: n }, (_, i) => i);
  const random = seededRandom(seed);
  const end = Math.min(n, count);
  for (let i = 0; i < end; i++) {
    const j = i + Math.floor(random() * (n - i));
    [order[i], order[j]] = [order[j]!, order[i]!];
  }
  return order.slice(0, end);
}
