/** One server-sent candidate, as a row. */
export interface CandidateRow {
  id: string;
  /** Predicted probability of conversion (tapped buy), in [0, 1]. */
  pCvr: number;
  /** Predicted probability of a long view, in [0, 1]. */
  pVtr: number;
  /** Predicted probability of swiping on to the next slot, in [0, 1]. */
  pSdr: number;
  /** Item value such as price, > 0; default 1. */
  value?: number | undefined;
  /** Category as a uint32; an item without one matches no other. */
  category?: number | undefined;
  /** Length `embeddingDim`; stored L2-normalised; zero vector if absent. */
  embedding?: ArrayLike<number> | undefined;
}

type NumberColumn = Float32Array | Float64Array | number[];

/** A batch as columns: typed arrays are transferred to the worker, not copied. */
export interface CandidateColumns {
  id: string[];
  pCvr: NumberColumn;
  pVtr: NumberColumn;
  pSdr: NumberColumn;
  value?: NumberColumn;
  category?: Uint32Array | number[];
  /** Row-major, `id.length * embeddingDim` numbers. */
  embedding?: Float32Array | Float64Array | number[];
}

export type CandidateBatch = CandidateRow[] | CandidateColumns;

export interface IngestResult {
  /** New candidates added to the pool. */
  added: number;
  /** Known ids whose fields were replaced. */
  updated: number;
  /** Ids already shown in this session: never planned again, so not added. */
  skippedShown: number;
  /** Candidates in the pool that can still be planned. */
  poolSize: number;
  /** The oldest unshown candidates dropped to stay within `maxPoolSize`. */
  evicted: number;
}

export interface RemoveResult {
  /** Ids that were in the pool, unshown, and are gone now. */
  removed: number;
  poolSize: number;
}

export interface ResetOptions {
  /** Keep the interest state learnt so far (default false: start neutral). */
  keepInterest?: boolean | undefined;
  /** Keep the shown ids (default true: a reset feed still never repeats an item). */
  keepShown?: boolean | undefined;
}

/**
 * What happened to the item just shown. Optional fields take `undefined` as absent, so a host
 * with `exactOptionalPropertyTypes` can forward its own optional values.
 */
export interface Feedback {
  id: string;
  /** How long the item was on screen, in ms. */
  dwellMs: number;
  /** The user tapped buy. */
  converted?: boolean | undefined;
  /** Override the long-view rule (`dwellMs >= longViewMs`). */
  longView?: boolean | undefined;
}

export interface PlanItem {
  id: string;
  /** Fused slot score `s_i` of the configured fusion kind. */
  score: number;
  /** Immediate reward `r_i` (MOC: expected purchase value plus view-only credit). */
  reward: number;
  /** Probability the user swipes on after this item, given the item before it. */
  continueProb: number;
  /** Probability the user reaches this slot. */
  reach: number;
}

export interface Plan {
  /**
   * `items[0]` is the item to show now. Empty when nothing can be planned (every candidate
   * shown, removed or evicted): ingest the next page, then `plan()` again.
   */
  items: PlanItem[];
  /** Candidates that can still be planned, this plan's included: fetch the next page when it runs low. */
  poolSize: number;
  /** Expected session value of the plan, tail term included. */
  value: number;
  backend: BackendKind;
  /** Counts state changes (ingest, feedback, swipe); a plan is current for its generation only. */
  generation: number;
  /**
   * `totalMs`: the plan in the engine. `gpuMs` (WebGPU): GPU timestamps where the adapter
   * writes them, else the wall time from submit to readback.
   */
  timings: { totalMs: number; gpuMs?: number };
}

export type BackendKind = 'webgpu' | 'cpu';

/** `'auto'`: the CPU plans first, WebGPU takes over only where it measures faster. */
export type BackendMode = 'auto' | BackendKind;

/** How the backend was chosen: `info().choice`. */
export interface BackendChoiceInfo {
  mode: BackendMode;
  /** `'measuring'`: `'auto'` is still timing the backends on this pool class (the CPU plans meanwhile). */
  state: 'measuring' | 'decided';
  /** Why this backend plans, in words: the mode asked for, the measured p50s, a parity failure, an unavailable adapter. */
  reason: string;
  /** Backend plan time, p50 in ms, measured side by side on the live pool (`'auto'` only). */
  p50Ms: { cpu?: number; webgpu?: number };
  /** Plans timed per backend in the current measurement. */
  samples: { cpu: number; webgpu: number };
  /** First and last pool size of the power-of-4 class measured; another class measures again, unless the CPU won it earlier in the session. */
  poolClass: [number, number];
  /** The WebGPU adapter measured (its device is released while the CPU keeps a pool class). */
  adapter?: string;
  /** One empty submit and readback on that adapter, in ms: a floor no WebGPU plan can beat. */
  readbackFloorMs?: number;
  /** Milliseconds from the reranker's start to the current decision. */
  decidedAfterMs?: number;
}

export type PersistenceStatus = 'off' | 'indexeddb' | 'memory';

export interface Info {
  backend: BackendKind;
  /** Adapter description for WebGPU, `'cpu'` otherwise. */
  adapter: string;
  /** Why the backend is not WebGPU, where it was asked for or lost. */
  fallbackReason?: string;
  /** Candidates that can still be planned. */
  poolSize: number;
  /** Ids shown this session, up to `LIMITS.shownIds` (the oldest are forgotten first). */
  shownCount: number;
  persistence: PersistenceStatus;
  /** Why persistence degraded to memory, or what it repaired on load (a corrupt or mismatched record, replaced on the next save). */
  persistenceReason?: string;
  generation: number;
  /** Runs in a Web Worker. */
  worker: boolean;
  embeddingDim: number;
  /** WebGPU backend figures, while it is in use. */
  gpu?: GpuStats;
  /** How the backend was chosen, and what was measured. */
  choice: BackendChoiceInfo;
}

/** Where the WebGPU backend's work goes: live buffers, and the last plan's GPU traffic. */
export interface GpuStats {
  /** GPU buffers alive now (grown by doubling, reused across plans). */
  buffers: number;
  /** Bytes held by those buffers. */
  bufferBytes: number;
  /** Of the last plan: compute dispatches, queue submits, mapAsync readbacks, bytes written and read back. */
  dispatches: number;
  submits: number;
  readbacks: number;
  bytesUploaded: number;
  bytesReadBack: number;
  /** Wall time of the first plan, with pipelines cold, in ms. */
  firstPlanMs?: number;
  /** Device losses so far; the first is survived by a rebuild, the second hands over to the CPU. */
  deviceLosses: number;
  /**
   * The browser offered a fallback adapter (often a software one, e.g. Firefox on lavapipe,
   * which leaves the adapter's info strings empty; `adapter` then says "fallback adapter").
   */
  isFallbackAdapter: boolean;
}

export interface MocFusion {
  kind: 'moc';
  wCvr: number;
  wView: number;
  /**
   * Weight of pSdr in the slot score `r + wSwipe * pSdr`; `'auto'` (default): the session
   * value `T`, so the score is the one-step value `r + pSdr * T`.
   */
  wSwipe: number | 'auto';
  gamma: number;
}

export interface Objectives {
  cvr: number;
  vtr: number;
  sdr: number;
}

export interface ClassicFusion {
  kind: 'weighted-sum' | 'product' | 'rank';
  weights: Objectives;
  alpha?: Objectives;
  beta?: Objectives;
  /** Reward weights the look-ahead uses; default as for `moc`. */
  wCvr?: number;
  wView?: number;
  gamma?: number;
}

export type FusionOptions = MocFusion | ClassicFusion;

export interface LookaheadOptions {
  depth: number;
  beamWidth: number;
  shortlist: number;
  /** Continuation penalty for a similar item (embedding cosine). */
  rho: number;
  /** Continuation penalty for a same-category item. */
  phi: number;
  /**
   * Value of the session after the planned slots; `'auto'` (default): the session value `T`
   * estimated from the eligible pool (docs/MODEL.md#the-tail-and-stage-1).
   */
  tail: number | 'auto';
}

export interface PersonalizationOptions {
  strength: number;
  decay: number;
  rate: number;
  /**
   * Satiation: items like the ones just shown lose `strength * satiation * h.e` on the logit
   * scale, where `h` sums the recently shown embeddings (docs/MODEL.md). 0 turns it off.
   */
  satiation: number;
  /** Per shown item, `h <- satiationDecay * h + e`: how fast satiation wears off. */
  satiationDecay: number;
  /** Dwell under this is a skip. */
  skipMs: number;
  /** Dwell at or over this is a long view. */
  longViewMs: number;
}

export interface RerankerOptions {
  /** Default `'auto'`: CPU first, then WebGPU only where it measures faster (`info().choice`). */
  backend?: BackendMode;
  worker?: boolean;
  embeddingDim?: number;
  fusion?: Partial<MocFusion> | ClassicFusion;
  lookahead?: Partial<LookaheadOptions>;
  personalization?: Partial<PersonalizationOptions> | false;
  persistence?: { name: string } | false;
  workerUrl?: string | URL;
  createWorker?: () => Worker;
  timeoutMs?: number;
  /**
   * Plannable candidates kept (default 10,000, at most 65,536). Past it, `ingest` evicts the
   * oldest unshown candidates (by first arrival) that the batch does not update.
   */
  maxPoolSize?: number;
  /**
   * Calls `onLow(poolSize)` once when a plan leaves fewer than `below` plannable candidates,
   * and again only after an ingest lifts the pool back to `below` or more. Runs on the page.
   */
  lowWater?: { below: number; onLow: (poolSize: number) => void };
}

/** Options with every default filled in; what the engine runs on. */
export interface ResolvedOptions {
  backend: BackendMode;
  embeddingDim: number;
  fusion: MocFusion | Required<ClassicFusion>;
  lookahead: LookaheadOptions;
  personalization: PersonalizationOptions | false;
  persistence: { name: string } | false;
  timeoutMs: number;
  maxPoolSize: number;
}

/**
 * Options as a backend plans with them: the engine has replaced every `'auto'` that stands
 * for the session value `T` (`fusion.wSwipe`, `lookahead.tail`) by the number, once per plan.
 */
export interface PlanOptions extends Omit<ResolvedOptions, 'fusion' | 'lookahead'> {
  fusion: (MocFusion & { wSwipe: number }) | Required<ClassicFusion>;
  lookahead: LookaheadOptions & { tail: number };
}
