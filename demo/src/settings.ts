import { DEFAULT_OPTIONS, type ClassicFusion, type LookaheadOptions, type MocFusion, type TunableOptions } from 'swiperank';

export type Strategy = 'server' | 'greedy' | 'lookahead' | 'index-context';

/** `laneOnly`: an autopilot lane, not a feed strategy (a hand-written policy, no reranker). */
export const STRATEGIES: { id: Strategy; label: string; color: string; laneOnly?: boolean }[] = [
  { id: 'server', label: 'Server order', color: '#9aa5b1' },
  { id: 'greedy', label: 'Greedy (fused score)', color: '#f5a623' },
  { id: 'lookahead', label: 'Look-ahead', color: '#3ddc97' },
  { id: 'index-context', label: 'Index rule with context (hand-written)', color: '#b48ead', laneOnly: true },
];

export type FusionKind = MocFusion['kind'] | ClassicFusion['kind'];

/** What the review panel edits; every field is always present, so the form maps one to one. */
export interface DemoSettings {
  strategy: Strategy;
  fusion: {
    kind: FusionKind;
    /** `wSwipe: 'auto'` (the SDK default) weighs pSdr by the session value T. */
    wCvr: number; wView: number; wSwipe: number | 'auto'; gamma: number;
    weights: { cvr: number; vtr: number; sdr: number };
    alpha: { cvr: number; vtr: number; sdr: number };
    beta: { cvr: number; vtr: number; sdr: number };
  };
  lookahead: Omit<LookaheadOptions, 'tail'>;
}

/**
 * The SDK's defaults. Classic kinds have no default weights: the form starts them at the MOC
 * weights, and at the neutral exponent 1 and offset 0 the SDK assumes for `alpha` and `beta`.
 */
export function defaultSettings(): DemoSettings {
  const { wCvr, wView, wSwipe, gamma } = DEFAULT_OPTIONS.fusion as MocFusion;
  const { tail: _tail, ...lookahead } = DEFAULT_OPTIONS.lookahead;
  return {
    strategy: 'lookahead',
    fusion: {
      kind: 'moc', wCvr, wView, wSwipe, gamma,
      // Classic kinds weigh raw probabilities: start sdr at a small weight, as before 'auto'.
      weights: { cvr: wCvr, vtr: wView, sdr: typeof wSwipe === 'number' ? wSwipe : 0.05 },
      alpha: { cvr: 1, vtr: 1, sdr: 1 },
      beta: { cvr: 0, vtr: 0, sdr: 0 },
    },
    lookahead,
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
