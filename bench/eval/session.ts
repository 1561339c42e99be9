/**
 * Closed-loop swipe sessions: a strategy shows items to a simulated user one at a time,
 * through the public API (`ingest`, `plan`, `swipe`), until the user leaves.
 */
import { createReranker, type CandidateRow, type RerankerOptions } from 'swiperank';
import { mixSeed, PageStream, serverOrder, SimulatedUser, type Baseline, type CatalogItem, type Outcome, type UserOptions } from '../../sim/index.js';

export interface Strategy {
  name: string;
  /** What the row in the report means. */
  description: string;
  /** Reranker options on top of the shared ones; null shows the page in server order. */
  options: RerankerOptions | null;
}

/**
 * The swiperank strategies compared (hand-written baselines are in `baselines.ts`).
 * "swiperank" is the SDK at its defaults; the others vary one thing against it.
 */
export const STRATEGIES: Strategy[] = [
  { name: 'server', description: 'server order: page by the server\'s expected GMV, pCvr x price', options: null },
  { name: 'swiperank', description: 'swiperank, default options', options: {} },
  { name: 'swiperank-nopers', description: 'swiperank, personalisation off', options: { personalization: false } },
  { name: 'swiperank-greedy', description: 'swiperank greedy by fused score (depth 1, shortlist 1)', options: { lookahead: { depth: 1, shortlist: 1 } } },
];

export interface SessionConfig {
  catalog: CatalogItem[];
  /** Rows as ingested, by catalog index (built once; the reranker copies what it keeps). */
  rows: CandidateRow[];
  embeddingDim: number;
  pageSize: number;
  /** Fetch the next page when fewer unseen candidates than this remain. */
  refillBelow: number;
  maxSlots: number;
  user: Omit<UserOptions, 'seed'>;
}

export interface SessionResult {
  /** The objective as earned: `sum sqrt(price)` over purchases + `0.25` per long view without one. */
  reward: number;
  purchases: number;
  longViews: number;
  /** Items seen. */
  depth: number;
  /** Sum of the prices of purchased items. */
  value: number;
  /** Time in `createReranker`, `ingest`, `plan` and `swipe`, ms. */
  rerankerMs: number;
}

const now = () => performance.now();

/** Adds what the user did with `item` to the session's totals. */
function earn(result: SessionResult, item: CatalogItem, outcome: Outcome): void {
  if (outcome.longView) result.longViews++;
  if (outcome.converted) {
    result.purchases++;
    result.value += item.price;
    result.reward += Math.sqrt(item.price);
  } else if (outcome.longView) {
    result.reward += 0.25;
  }
}

/**
 * One session of `strategy` for the user of `userSeed`. The user and the pages depend on the
 * seed only, so every strategy meets the same users and pages (common random numbers).
 */
export async function runSession(strategy: Strategy, userSeed: number, c: SessionConfig): Promise<SessionResult> {
  const user = new SimulatedUser(c.catalog, { ...c.user, seed: userSeed });
  const pages = new PageStream(c.catalog.length, mixSeed(userSeed, 0x9a6e));
  const result: SessionResult = { reward: 0, purchases: 0, longViews: 0, depth: 0, value: 0, rerankerMs: 0 };
  let previous: CatalogItem | null = null;
  const see = (item: CatalogItem) => {
    const outcome = user.respond(item, previous);
    previous = item;
    result.depth++;
    earn(result, item, outcome);
    return outcome;
  };

  if (strategy.options === null) {
    let queue: number[] = [];
    while (result.depth < c.maxSlots) {
      if (queue.length === 0) queue = serverOrder(c.catalog, pages.next(c.pageSize));
      const next = queue.shift();
      if (next === undefined || !see(c.catalog[next]!).continues) break;
    }
    return result;
  }

  const timed = async <T>(call: () => Promise<T>): Promise<T> => {
    const start = now();
    try {
      return await call();
    } finally {
      result.rerankerMs += now() - start;
    }
  };
  const ranker = await timed(() => createReranker({
    backend: 'cpu', worker: false, embeddingDim: c.embeddingDim, ...strategy.options,
  }));
  const ingestPage = async () => {
    const page = pages.next(c.pageSize);
    await timed(() => ranker.ingest(page.map((i) => c.rows[i]!)));
    return page.length;
  };
  let unseen = await ingestPage();
  let plan = await timed(() => ranker.plan());
  while (result.depth < c.maxSlots) {
    const first = plan.items[0];
    if (first === undefined) break;
    const item = c.catalog[Number(first.id.slice(4))]!; // ids are `item<index>`
    if (item.id !== first.id) throw new Error(`catalog id ${first.id} is not at its index`);
    const outcome = see(item);
    unseen--;
    if (!outcome.continues || result.depth >= c.maxSlots) break;
    if (unseen < c.refillBelow) unseen += await ingestPage();
    plan = await timed(() => ranker.swipe({ id: item.id, dwellMs: outcome.dwellMs, converted: outcome.converted }));
  }
  await timed(() => ranker.dispose());
  return result;
}

/**
 * One session of a hand-written policy for the user of `userSeed`: the same users and pages
 * as `runSession` (pages arrive the same way), the policy picks from the unseen candidates.
 */
export function runBaselineSession(policy: Baseline, userSeed: number, c: SessionConfig): SessionResult {
  const user = new SimulatedUser(c.catalog, { ...c.user, seed: userSeed });
  const pages = new PageStream(c.catalog.length, mixSeed(userSeed, 0x9a6e));
  const result: SessionResult = { reward: 0, purchases: 0, longViews: 0, depth: 0, value: 0, rerankerMs: 0 };
  const unseen: CatalogItem[] = [];
  const shown: CatalogItem[] = [];
  const ingestPage = () => { for (const i of pages.next(c.pageSize)) unseen.push(c.catalog[i]!); };
  ingestPage();
  while (result.depth < c.maxSlots && unseen.length > 0) {
    const at = policy.pick({ unseen, shown });
    const item = unseen.splice(at, 1)[0]!;
    const outcome = user.respond(item, shown[shown.length - 1] ?? null);
    shown.push(item);
    result.depth++;
    earn(result, item, outcome);
    if (!outcome.continues) break;
    if (unseen.length < c.refillBelow) ingestPage();
  }
  return result;
}
