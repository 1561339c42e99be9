/**
 * The version a front-end engineer writes first: an array of candidate objects, scores
 * recomputed into new objects every plan, `Array.prototype.sort` for the shortlist and
 * for every beam step, continuations computed on demand. Same model, float64 throughout,
 * so its plans should match the CPU backend's exactly.
 */
import type { Feedback } from 'swiperank';
import type { PoolColumns } from '../src/data.js';
import { feedbackSignal, moveInterest, normalised, type Peer, type PeerOptions, type PeerPlan } from './peer.js';

interface Candidate {
  id: string;
  /** Arrival order: the tie rule of stage 1. */
  index: number;
  pCvr: number;
  pVtr: number;
  pSdr: number;
  value: number;
  category: number;
  embedding: number[];
  shown: boolean;
}

interface Scored {
  candidate: Candidate;
  reward: number;
  score: number;
}

interface Beam {
  /** Shortlist positions. */
  path: number[];
  value: number;
  reach: number;
  /** Ranking key: `value + reach_next * tail`. */
  key: number;
  /** `beam * shortlist + candidate`: the tie rule of a beam step. */
  flat: number;
}

const clamp = (p: number) => Math.min(Math.max(p, 1e-6), 1 - 1e-6);

function dot(a: number[], b: number[]): number {
  let sum = 0;
  for (let d = 0; d < a.length; d++) sum += a[d]! * b[d]!;
  return sum;
}

export function createNaivePeer(options: PeerOptions): Peer {
  const { fusion, lookahead, personalization } = options;
  let candidates: Candidate[] = [];
  const byId = new Map<string, Candidate>();
  const interest = new Float64Array(options.embeddingDim);
  let lastShown: Candidate | null = null;

  const continueProb = (next: Candidate, prev: Candidate | null): number => {
    if (prev === null) return next.pSdr;
    const similar = Math.max(0, dot(next.embedding, prev.embedding));
    const sameCategory = next.category === prev.category;
    return next.pSdr * (1 - lookahead.rho * similar) * (1 - (sameCategory ? lookahead.phi : 0));
  };

  const plan = async (): Promise<PeerPlan> => {
    const start = performance.now();
    const u = Array.from(interest);
    const scored: Scored[] = candidates.filter((c) => !c.shown).map((c) => {
      let pCvr = c.pCvr, pVtr = c.pVtr;
      if (personalization !== false) {
        const shift = u.length > 0 ? personalization.strength * dot(u, c.embedding) : 0;
        pCvr = 1 / (1 + Math.exp(-(Math.log(clamp(pCvr) / (1 - clamp(pCvr))) + shift)));
        pVtr = 1 / (1 + Math.exp(-(Math.log(clamp(pVtr) / (1 - clamp(pVtr))) + shift)));
      }
      const viewOnly = Math.max(0, pVtr - pCvr);
      const reward = fusion.wCvr * pCvr * Math.pow(c.value, fusion.gamma) + fusion.wView * viewOnly;
      return { candidate: c, reward, score: reward + fusion.wSwipe * c.pSdr };
    });
    scored.sort((a, b) => b.score - a.score || a.candidate.index - b.candidate.index);
    const shortlist = scored.slice(0, lookahead.shortlist);
    const L = shortlist.length;
    const tail = lookahead.tail;

    let beams: Beam[] = [{ path: [], value: 0, reach: 1, key: 0, flat: 0 }];
    const depth = Math.min(lookahead.depth, L);
    for (let t = 0; t < depth; t++) {
      const extended: Beam[] = [];
      beams.forEach((beam, b) => {
        const prev = beam.path.length > 0 ? shortlist[beam.path[beam.path.length - 1]!]!.candidate : lastShown;
        shortlist.forEach((s, c) => {
          if (beam.path.includes(c)) return;
          const q = continueProb(s.candidate, prev);
          extended.push({
            path: [...beam.path, c],
            value: beam.value + beam.reach * s.reward,
            reach: beam.reach * q,
            key: beam.value + beam.reach * s.reward + beam.reach * q * tail,
            flat: b * L + c,
          });
        });
      });
      extended.sort((x, y) => y.key - x.key || x.flat - y.flat);
      beams = extended.slice(0, lookahead.beamWidth);
    }
    const best = beams[0]!;
    return {
      ids: best.path.map((c) => shortlist[c]!.candidate.id),
      value: best.value + best.reach * tail,
      planMs: performance.now() - start,
    };
  };

  return {
    async ingest(cols: PoolColumns) {
      const dim = options.embeddingDim;
      candidates = cols.id.map((id, i) => ({
        id, index: i,
        pCvr: cols.pCvr[i]!, pVtr: cols.pVtr[i]!, pSdr: cols.pSdr[i]!,
        value: cols.value[i]!, category: cols.category[i]!,
        embedding: normalised(cols.embedding, i * dim, dim),
        shown: false,
      }));
      byId.clear();
      for (const c of candidates) byId.set(c.id, c);
    },
    plan,
    async swipe(event: Feedback) {
      const shown = byId.get(event.id) ?? null;
      if (shown && personalization !== false && interest.length > 0) {
        moveInterest(interest, shown.embedding, feedbackSignal(event, personalization), personalization);
      }
      if (shown) shown.shown = true;
      lastShown = shown;
      return plan();
    },
    dispose() {
      candidates = [];
      byId.clear();
    },
  };
}
