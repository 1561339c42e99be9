import type { ClassicFusion, LookaheadOptions, MocFusion, TunableOptions } from '../../sdk/index.js';

export type Strategy = 'server' | 'greedy' | 'lookahead';

export const STRATEGIES: { id: Strategy; label: string; color: string }[] = [
  { id: 'server', label: 'Server order', color: '#9aa5b1' },
  { id: 'greedy', label: 'Greedy (fused score)', color: '#f5a623' },
  { id: 'lookahead', label: 'Look-ahead', color: '#3ddc97' },
];

export type FusionKind = MocFusion['kind'] | ClassicFusion['kind'];

/** What the review panel edits; every field is always present, so the form maps one to one. */
export interface DemoSettings {
  strategy: Strategy;
  fusion: {
    kind: FusionKind;
    wCvr: number; wView: number; wSwipe: number; gamma: number;
    weights: { cvr: number; vtr: number; sdr: number };
    alpha: { cvr: number; vtr: number; sdr: number };
    beta: { cvr: number; vtr: number; sdr: number };
  };
  lookahead: Omit<LookaheadOptions, 'tail'>;
}

/** The SDK's defaults (README, Options). */
export function defaultSettings(): DemoSettings {
  return {
    strategy: 'lookahead',
    fusion: {
      kind: 'moc', wCvr: 1, wView: 0.25, wSwipe: 0.05, gamma: 0.5,
      weights: { cvr: 1, vtr: 0.25, sdr: 0.05 },
      alpha: { cvr: 1, vtr: 1, sdr: 1 },
      beta: { cvr: 0, vtr: 0, sdr: 0 },
    },
    lookahead: { depth: 4, beamWidth: 8, shortlist: 64, rho: 0.5, phi: 0.35 },
  };
}

/**
 * The reranker options a strategy runs with. Greedy is `depth 1, shortlist 1`: a stage-1
 * shortlist of one is exactly the top fused score. Server order keeps the look-ahead
 * settings: its plans are shown for comparison while the feed follows the server.
 */
export function tunable(settings: DemoSettings, strategy: Strategy = settings.strategy): TunableOptions {
  const f = settings.fusion;
  const reward = { wCvr: f.wCvr, wView: f.wView, gamma: f.gamma };
  const fusion = f.kind === 'moc'
    ? { kind: 'moc' as const, ...reward, wSwipe: f.wSwipe }
    : { kind: f.kind, ...reward, weights: { ...f.weights }, alpha: { ...f.alpha }, beta: { ...f.beta } };
  const lookahead = strategy === 'greedy'
    ? { ...settings.lookahead, depth: 1, beamWidth: 1, shortlist: 1 }
    : { ...settings.lookahead, shortlist: Math.max(settings.lookahead.shortlist, settings.lookahead.depth) };
  return { fusion, lookahead };
}
