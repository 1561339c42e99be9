import { describe, expect, it } from 'vitest';
import { candidateRow, makeCatalog } from '../../sim/index.js';
import { runSession, STRATEGIES, type SessionConfig } from './session.js';

const catalog = makeCatalog({ size: 2_000, embeddingDim: 16, categories: 12, scoreNoise: 0.5, seed: 7 });
const penalties = { similarityPenalty: 0.4, categoryPenalty: 0.3 };

describe('sessions', () => {
  const config: SessionConfig = {
    catalog, rows: catalog.map(candidateRow), embeddingDim: 16,
    pageSize: 200, refillBelow: 64, maxSlots: 200, user: penalties,
  };

  it('a closed-loop session through the reranker replays exactly from its seed', async () => {
    const lookahead = STRATEGIES.find((s) => s.name === 'swiperank')!;
    const server = STRATEGIES.find((s) => s.name === 'server')!;
    const play = async (strategy: typeof lookahead, seed: number) => {
      const { rerankerMs: _ms, ...rest } = await runSession(strategy, seed, config);
      return rest;
    };
    const seeds = Array.from({ length: 20 }, (_, n) => 500 + n);
    const first = await Promise.all(seeds.map((s) => play(lookahead, s)));
    const again = await Promise.all(seeds.map((s) => play(lookahead, s)));
    const others = await Promise.all(seeds.map((s) => play(lookahead, s + 1_000)));
    expect(again).toEqual(first);
    expect(others).not.toEqual(first);
    expect(await play(server, 500)).toEqual(await play(server, 500));
  });
});
