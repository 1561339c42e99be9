import { createReranker, type Reranker } from 'swiperank';
import { BASELINES, DEFAULT_USER, mixSeed, SimulatedUser, type CatalogItem } from '../../sim/index.js';
import { CATALOG, catalog, REFILL_BELOW, type WireCandidate } from '../catalog.js';
import { CandidateSource } from './candidates.js';
import { tunable, type DemoSettings, type Strategy } from './settings.js';

const AUTOPILOT_SEED = 5;

export interface AutopilotRun {
  strategies: Strategy[];
  sessions: number;
  /** A session also ends here if the user has not left by then. */
  maxSlots: number;
  /** Pause between swipes, so a reviewer can watch the lanes; 0 in fast mode. */
  swipeDelayMs: number;
  settings: DemoSettings;
  /**
   * The autopilot's rerankers: one per session, since a session is a fresh user. 'cpu' by
   * default: both backends compute the same plans (docs/MODEL.md#backends-and-precision), and a WebGPU start
   * per session takes seconds on a software adapter.
   */
  backend: 'cpu' | 'auto';
}

export interface SessionOutcome {
  purchases: number;
  depth: number;
  /** Sum of the prices of purchased items. */
  gmv: number;
}

/** A lane's live state after each swipe. */
export interface LaneProgress {
  strategy: Strategy;
  session: number;
  /** The session in progress (or just finished). */
  current: SessionOutcome;
  /** The item the user just saw. */
  item: WireCandidate | null;
  backend: string;
  finished: SessionOutcome[];
  done: boolean;
}

let byId: Map<string, CatalogItem> | null = null;

function truth(id: string): CatalogItem {
  byId ??= new Map(catalog().map((item) => [item.id, item]));
  const item = byId.get(id);
  if (!item) throw new Error(`the catalog has no item ${JSON.stringify(id)}`);
  return item;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The hand-written policy to beat: highest `r / (1 - q(j | last))` (sim/baselines.ts). */
const INDEX_CONTEXT = BASELINES.find((b) => b.name === 'hw-index-context')!;

/**
 * Simulated users swipe through sessions by themselves, one lane per strategy, all lanes at
 * once. Session k of every lane meets the same user (seed) and the same server pages, so
 * the lanes differ only by the order shown (common random numbers, as the evaluation does).
 * The user is the quality evaluation's `SimulatedUser`; it sees the catalog's true
 * probabilities, which the feed and the reranker never get.
 */
export async function runAutopilot(run: AutopilotRun, onProgress: (p: LaneProgress) => void, stopped: () => boolean): Promise<void> {
  await Promise.all(run.strategies.map(async (strategy) => {
    const finished: SessionOutcome[] = [];
    let backend = strategy === 'server' || strategy === 'index-context' ? 'none' : '…';
    for (let k = 0; k < run.sessions && !stopped(); k++) {
      const current: SessionOutcome = { purchases: 0, depth: 0, gmv: 0 };
      const user = new SimulatedUser(catalog(), { ...DEFAULT_USER, seed: mixSeed(AUTOPILOT_SEED, k) });
      const source = new CandidateSource(`autopilot-${k}`, CATALOG.embeddingDim);
      let previous: CatalogItem | null = null;
      let ranker: Reranker | null = null;
      const report = (item: WireCandidate | null) => onProgress({
        strategy, session: k, current: { ...current }, item, backend, finished: finished.slice(), done: false,
      });
      /** Shows `id`; false when the user leaves. */
      const see = (id: string): { continues: boolean; dwellMs: number; converted: boolean } => {
        const item = truth(id);
        const outcome = user.respond(item, previous);
        previous = item;
        current.depth++;
        if (outcome.converted) {
          current.purchases++;
          current.gmv += item.price;
        }
        report(source.byId.get(id) ?? null);
        return outcome;
      };
      try {
        if (strategy === 'server') {
          let at = 0;
          while (current.depth < run.maxSlots && !stopped()) {
            // A page can come with every row dropped: fetch on until there is one to show.
            while (at >= source.serverOrder.length && !source.exhausted) await source.next();
            if (at >= source.serverOrder.length) break;
            if (!see(source.serverOrder[at++]!).continues) break;
            if (run.swipeDelayMs) await sleep(run.swipeDelayMs);
          }
        } else if (strategy === 'index-context') {
          // The same server pages as the other lanes; the policy picks from what is unseen.
          const shown: CatalogItem[] = [];
          const seen = new Set<string>();
          const unseen = () => source.serverOrder.filter((id) => !seen.has(id)).map(truth);
          while (current.depth < run.maxSlots && !stopped()) {
            while (source.serverOrder.length - seen.size < REFILL_BELOW && !source.exhausted) await source.next();
            const candidates = unseen();
            if (candidates.length === 0) break;
            const item = candidates[INDEX_CONTEXT.pick({ unseen: candidates, shown })]!;
            seen.add(item.id);
            shown.push(item);
            if (!see(item.id).continues) break;
            if (run.swipeDelayMs) await sleep(run.swipeDelayMs);
          }
        } else {
          ranker = await createReranker({ backend: run.backend, embeddingDim: CATALOG.embeddingDim, ...tunable(run.settings, strategy) });
          backend = (await ranker.info()).backend;
          let unseen = 0;
          const refill = async () => {
            const page = await source.next((rows) => ranker!.ingest(rows));
            unseen += page?.ingested?.added ?? 0;
          };
          await refill();
          let plan = await ranker.plan();
          while (current.depth < run.maxSlots && !stopped()) {
            const first = plan.items[0];
            if (!first) break;
            const outcome = see(first.id);
            unseen--;
            if (!outcome.continues || current.depth >= run.maxSlots) break;
            if (unseen < REFILL_BELOW && !source.exhausted) await refill();
            if (run.swipeDelayMs) await sleep(run.swipeDelayMs);
            plan = await ranker.swipe({ id: first.id, dwellMs: outcome.dwellMs, converted: outcome.converted });
          }
        }
      } finally {
        await ranker?.dispose();
      }
      finished.push(current);
      report(null);
    }
    onProgress({
      strategy, session: finished.length - 1, current: finished.at(-1) ?? { purchases: 0, depth: 0, gmv: 0 },
      item: null, backend, finished, done: true,
    });
  }));
}
