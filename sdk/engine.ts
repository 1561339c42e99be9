import { BackendChoice, defaultBackends, type Backends, type PlanInput } from './backend-choice.js';
import { SwiperankError } from './errors.js';
import { effectiveInterest } from './model/personalize.js';
import { checkIds, SessionState, type SessionRestore, type SessionSnapshot } from './model/session.js';
import { SessionValue, withSessionValue } from './model/tail.js';
import { validateBatch } from './model/validate.js';
import { reconfigure, resolveOptions, type TunableOptions } from './options.js';
import { indexedDbStore, memoryStore, type SessionStore } from './persistence.js';
import type {
  CandidateBatch, Feedback, IngestResult, Info, Plan, PlanOptions, RemoveResult, ResetOptions, RerankerOptions, ResolvedOptions,
} from './types.js';

const now = () => (typeof performance !== 'undefined' ? performance.now() : Date.now());

/**
 * The reranker's state and work, wherever it runs (worker or inline): the pool, the
 * interest state, shown ids, the backend and persistence.
 */
export class Engine {
  private options: ResolvedOptions;
  private readonly state: SessionState;
  private readonly sessionValue = new SessionValue();
  /** `interest - satiation * h`: what the backends personalise with (docs/MODEL.md#personalisation). */
  private readonly effective: Float64Array;
  /** The options and interest of the current generation, resolved once (see `planInput`). */
  private planned: { generation: number; given: ResolvedOptions; options: PlanOptions } | null = null;
  private generation = 0;
  private readonly backends: BackendChoice;
  private readonly store: SessionStore;
  private disposed = false;
  private readonly inWorker: boolean;

  private constructor(options: ResolvedOptions, backends: BackendChoice, store: SessionStore, inWorker: boolean) {
    this.options = options;
    this.state = new SessionState(options.embeddingDim);
    this.effective = new Float64Array(options.embeddingDim);
    this.backends = backends;
    this.store = store;
    this.inWorker = inWorker;
  }

  static async create(
    options: RerankerOptions | ResolvedOptions,
    { backends = defaultBackends, inWorker = false }: { backends?: Backends; inWorker?: boolean } = {},
  ): Promise<Engine> {
    const resolved = resolveOptions(options as RerankerOptions);
    const store = resolved.persistence
      ? indexedDbStore(resolved.persistence.name, resolved.embeddingDim)
      : memoryStore();
    // Shadow plans read the engine's state; they start only after the engine served a plan.
    let engine!: Engine;
    const choice = new BackendChoice(resolved.backend, backends, () => engine.planInput());
    const [, snapshot] = await Promise.all([choice.start(), store.load()]);
    engine = new Engine(resolved, choice, store, inWorker);
    if (snapshot) engine.restore(snapshot);
    return engine;
  }

  private alive(): void {
    if (this.disposed) throw new SwiperankError('DISPOSED', 'this reranker was disposed');
  }

  private get pool() {
    return this.state.pool;
  }

  ingest(batch: CandidateBatch): IngestResult {
    this.alive();
    const result = this.state.ingest(validateBatch(batch, this.options.embeddingDim), this.options.maxPoolSize);
    this.generation++;
    return result;
  }

  /** Takes unshown candidates out of the pool (they are not marked shown). */
  remove(ids: string[]): RemoveResult {
    this.alive();
    const result = this.state.remove(checkIds(ids));
    this.generation++;
    return result;
  }

  /** Empties the pool and starts a new session, keeping what `keep` asks for. */
  reset(keep: ResetOptions = {}): void {
    this.alive();
    this.state.reset(keep);
    this.generation++;
    this.store.save(() => this.snapshot(), keep.keepShown === false);
  }

  async plan(): Promise<Plan> {
    this.alive();
    const start = now();
    const generation = this.generation;
    const { plan: result, backend } = await this.backends.plan(this.planInput());
    const items = result.poolIndex.map((i, t) => ({
      id: this.pool.ids[i]!,
      score: result.score[t]!,
      reward: result.reward[t]!,
      continueProb: result.continueProb[t]!,
      reach: result.reach[t]!,
    }));
    const timings: Plan['timings'] = { totalMs: now() - start };
    if (result.gpuMs !== undefined) timings.gpuMs = result.gpuMs;
    return { items, poolSize: this.pool.eligibleCount, value: result.value, backend, generation, timings };
  }

  /**
   * What a plan (or a shadow plan) runs on. The session value T and the satiated interest are
   * resolved here, once per generation: every backend plans with the same numbers, and with
   * the same options object while the generation holds.
   */
  private planInput(): PlanInput {
    const { pool, interest, satiation, last } = this.state;
    const p = this.planned;
    if (p === null || p.generation !== this.generation || p.given !== this.options) {
      const pers = this.options.personalization;
      effectiveInterest(interest, satiation, pers === false ? 0 : pers.satiation, this.effective);
      this.planned = { generation: this.generation, given: this.options, options: withSessionValue(this.sessionValue, pool, this.options) };
    }
    return { pool, interest: this.effective, last, options: this.planned!.options, generation: this.generation };
  }

  /** Records what happened to a shown item: marks it shown and moves the interest state. */
  feedback(event: Feedback): void {
    this.alive();
    this.state.feedback(event, this.options.personalization);
    this.generation++;
    this.store.save(() => this.snapshot());
  }

  async swipe(event: Feedback): Promise<Plan> {
    this.feedback(event);
    return this.plan();
  }

  async configure(patch: TunableOptions): Promise<void> {
    this.alive();
    const options = reconfigure(this.options, patch);
    if (patch.backend !== undefined) await this.backends.setMode(options.backend);
    this.options = options;
    this.generation++;
  }

  info(): Info {
    this.alive();
    const info: Info = {
      backend: this.backends.active.kind,
      adapter: this.backends.active.adapter,
      poolSize: this.pool.eligibleCount,
      shownCount: this.state.shown.size,
      persistence: this.store.status,
      generation: this.generation,
      worker: this.inWorker,
      embeddingDim: this.options.embeddingDim,
      choice: this.backends.info(),
    };
    if (this.backends.fallbackReason !== undefined) info.fallbackReason = this.backends.fallbackReason;
    if (this.backends.active.stats) info.gpu = { ...this.backends.active.stats };
    if (this.store.reason !== undefined) info.persistenceReason = this.store.reason;
    return info;
  }

  snapshot(): SessionSnapshot {
    return this.state.snapshot();
  }

  /**
   * Takes over a saved session (shown ids merged, interest state replaced) and, from a page
   * restarting its worker, the plannable pool in its order.
   */
  restore(saved: SessionSnapshot | SessionRestore): void {
    if ('session' in saved) {
      this.state.restore(saved.session);
      this.state.ingest(saved.pool, this.options.maxPoolSize);
    } else {
      this.state.restore(saved);
    }
    this.planned = null;
  }

  /** Writes pending persistence now. */
  flush(): Promise<void> {
    return this.store.flush();
  }

  async dispose(): Promise<void> {
    if (this.disposed) return;
    this.disposed = true;
    await this.backends.dispose();
    await this.store.flush();
  }
}
