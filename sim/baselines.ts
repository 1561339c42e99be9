/**
 * Hand-written policies a front-end engineer would write in a few lines, independent of the
 * SDK (the evaluation holds swiperank to beating them; the demo's autopilot runs one as a
 * lane): each picks the next item from the unseen candidates using the server's scores, price,
 * category and embedding only (the same inputs swiperank gets).
 */
import type { CatalogItem } from './catalog.js';

/** What a policy sees: the candidates it may show and the items shown so far, latest last. */
export interface PolicyState {
  unseen: readonly CatalogItem[];
  shown: readonly CatalogItem[];
}

export interface Baseline {
  name: string;
  description: string;
  /** Index into `state.unseen` of the item to show next. */
  pick(state: PolicyState): number;
}

/** The immediate reward every policy here uses, the MOC reward of docs/MODEL.md#reward-and-fusion at its default weights: `pCvr sqrt(price) + 0.25 (pVtr - pCvr)+`. */
export function baselineReward(item: CatalogItem): number {
  return item.pCvr * Math.sqrt(item.price) + 0.25 * Math.max(0, item.pVtr - item.pCvr);
}

function cosine(a: Float32Array, b: Float32Array): number {
  let s = 0;
  for (let d = 0; d < a.length; d++) s += a[d]! * b[d]!;
  return s;
}

/** Index of the largest `key`, ties to the first. */
function argmax(items: readonly CatalogItem[], key: (item: CatalogItem) => number): number {
  let best = -1, bestKey = -Infinity;
  for (let i = 0; i < items.length; i++) {
    const k = key(items[i]!);
    if (k > bestKey) { best = i; bestKey = k; }
  }
  return best;
}

const INDEX_RHO = 0.5;
const INDEX_PHI = 0.35;
const MMR_LAMBDA = 0.7;
const MMR_MEMORY = 5;

export const BASELINES: Baseline[] = [
  {
    name: 'hw-greedy',
    description: 'hand-written greedy: highest reward r',
    pick: ({ unseen }) => argmax(unseen, baselineReward),
  },
  {
    name: 'hw-index',
    description: 'index rule without context: highest r / (1 - pSdr)',
    pick: ({ unseen }) => argmax(unseen, (j) => baselineReward(j) / Math.max(1e-9, 1 - j.pSdr)),
  },
  {
    name: 'hw-index-context',
    description: `index rule with context: highest r / (1 - q(j | last)), rho ${INDEX_RHO}, phi ${INDEX_PHI}`,
    pick: ({ unseen, shown }) => {
      const last = shown[shown.length - 1];
      return argmax(unseen, (j) => {
        let q = j.pSdr;
        if (last) {
          q *= (1 - INDEX_RHO * Math.max(0, cosine(j.embedding, last.embedding))) * (1 - (j.category === last.category ? INDEX_PHI : 0));
        }
        return baselineReward(j) / Math.max(1e-9, 1 - q);
      });
    },
  },
  {
    name: 'hw-mmr',
    description: `MMR diversity rerank: ${MMR_LAMBDA} r / max r - ${(1 - MMR_LAMBDA).toFixed(1)} max cosine to the last ${MMR_MEMORY} shown`,
    pick: ({ unseen, shown }) => {
      let top = 0;
      for (const j of unseen) top = Math.max(top, baselineReward(j));
      const recent = shown.slice(-MMR_MEMORY);
      return argmax(unseen, (j) => {
        let similar = 0;
        for (const k of recent) similar = Math.max(similar, cosine(j.embedding, k.embedding));
        return MMR_LAMBDA * baselineReward(j) / (top || 1) - (1 - MMR_LAMBDA) * similar;
      });
    },
  },
];
