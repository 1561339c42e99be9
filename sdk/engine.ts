import { BackendChoice, defaultBackends, type Backends, type PlanInput } from './backend-choice.js';
import { SwiperankError, show } from './errors.js';
import { LIMITS } from './limits.js';
import type { LastShown } from './model/lookahead.js';
import { effectiveInterest, feedbackSignal, updateInterest, updateSatiation } from './model/personalize.js';
import { CandidatePool } from './model/pool.js';
import { SessionValue, withSessionValue } from './model/tail.js';
import { validateBatch } from './model/validate.js';
import { reconfigure, resolveOptions, type TunableOptions } from './options.js';
import { indexedDbStore, memoryStore, type SessionSnapshot, type SessionStore } from './persistence.js';
import type {
  CandidateBatch, Feedback, IngestResult, Info, Plan, PlanOptions, RerankerOptions, ResolvedOptions,
} from './types.js';

const now = () => (typeof performance !== 'undefined' ? performance.now() : Date.now());

function checkFeedback(event: Feedback): void {
  const bad = (field: string, value: unknown, rule: string): never => {
    throw new SwiperankError('INVALID_CANDIDATE', `feedback.${field} ${rule}, got ${show(value)}`);
  };
  if (typeof event !== 'object' || event === null) bad('', event, 'must be { id, dwellMs, converted? }');
  if (typeof event.id !== 'string' || event.id.length === 0) bad('id', event.id, 'must be a non-empty string');
  if (typeof event.dwellMs !== 'number' || !Number.isFinite(event.dwellMs) || event.dwellMs < 0) {
    bad('dwellMs', event.dwellMs, 'must be a finite number >= 0');
  }
  if (event.converted !== undefined && typeof event.converted !== 'boolean') bad('converted', event.converted, 'must be a boolean');
  if (event.longView !== undefined && typeof event.longView !== 'boolean') bad('longView', event.longView, 'must be a boolean');
}

/**
 * The reranker's state and work, wherever it runs (worker or inline): the pool, the
 * interest state, shown ids, the backend and persistence.
 */
export class Engine {
  private options: ResolvedOptions;
  private readonly pool: CandidatePool;
  private readonly interest: Float64Array;
  /** Recently shown embeddings, decayed (satiation); not persisted: a restored session starts fresh. */
  private readonly satiation: Float64Array;
  /** `interest - satiation weight * satiation`: what the backends personalise with. */
  private readonly effective: Float64Array;
  /** Insertion-ordered, so the oldest ids drop first past the bound. */
  private readonly shownIds = new Set<string>();
  private last: LastShown | null = null;
  private readonly sessionValue = new SessionValue();
  private planned: { generation: number; given: ResolvedOptions; options: PlanOptions } | null = null;
  private generation = 0;
  private readonly backends: BackendChoice;
  private readonly store: SessionStore;
  private disposed = false;
  private readonly inWorker: boolean;

  private constructor(options: ResolvedOptions, backends: BackendChoice, store: SessionStore, inWorker: boolean) {
    this.options = options;
    this.pool = new CandidatePool(options.embeddingDim);
    this.interest = new Float64Array(options.embeddingDim);
    this.satiation = new Float64Array(options.embeddingDim);
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

  private isShown = (id: string) => this.shownIds.has(id);

  ingest(batch: CandidateBatch): IngestResult {
    this.alive();
    const columns = validateBatch(batch, this.options.embeddingDim);
    const counts = this.pool.preview(columns, this.isShown);
    this.pool.apply(columns, this.isShown);
    this.generation++;
    return { ...counts, poolSize: this.pool.eligibleCount };
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
    return { items, value: result.value, backend, generation, timings };
  }

  /**
   * What a plan (or a shadow plan) runs on. T is resolved here, once per state: every backend
   * plans with the same numbers, and the same options object while the generation holds.
   */
  private planInput(): PlanInput {
    const p = this.planned;
    if (p === null || p.generation !== this.generation || p.given !== this.options) {
      const options = withSessionValue(this.sessionValue, this.pool, this.options);
      const pers = this.options.personalization;
      effectiveInterest(this.interest, this.satiation, pers === false ? 0 : pers.satiation, this.effective);
      this.planned = { generation: this.generation, given: this.options, options };
    }
    return { pool: this.pool, interest: this.effective, last: this.last, options: this.planned!.options, generation: this.generation };
  }

  /** Records what happened to a shown item: marks it shown and moves the interest state. */
  feedback(event: Feedback): void {
    this.alive();
    checkFeedback(event);
    const at = this.pool.indexOf(event.id);
    if (this.shownIds.has(event.id)) {
      throw new SwiperankError('INVALID_CANDIDATE', `feedback.id ${show(event.id)} was already reported as shown`);
    }
    this.rememberShown(event.id);
    if (at < 0) {
      // Shown by the page but never ingested: nothing known to learn from or to avoid after it.
      this.last = null;
    } else {
      const dim = this.pool.dim;
      const p = this.options.personalization;
      if (p !== false && dim > 0) {
        updateInterest(this.interest, this.pool.embedding, at * dim, feedbackSignal(event, p), p);
        updateSatiation(this.satiation, this.pool.embedding, at * dim, p.satiationDecay);
      }
      this.last = {
        embedding: this.pool.embedding.slice(at * dim, (at + 1) * dim),
        category: this.pool.category[at]!,
        hasCategory: this.pool.hasCategory[at] === 1,
      };
      this.pool.markShown(at);
    }
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
      shownCount: this.shownIds.size,
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
    return {
      version: 1,
      embeddingDim: this.options.embeddingDim,
      interest: Array.from(this.interest),
      shownIds: Array.from(this.shownIds),
      last: this.last && {
        embedding: Array.from(this.last.embedding),
        category: this.last.category,
        hasCategory: this.last.hasCategory,
      },
    };
  }

  /** Takes over a saved session: interest state, shown ids, last shown item. */
  restore(s: SessionSnapshot): void {
    this.interest.set(s.interest);
    for (const id of s.shownIds) this.rememberShown(id);
    for (const id of s.shownIds) {
      const at = this.pool.indexOf(id);
      if (at >= 0) this.pool.markShown(at);
    }
    this.last = s.last && {
      embedding: Float64Array.from(s.last.embedding),
      category: s.last.category,
      hasCategory: s.last.hasCategory,
    };
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

  private rememberShown(id: string): void {
    this.shownIds.delete(id);
    this.shownIds.add(id);
    if (this.shownIds.size > LIMITS.shownIds) {
      this.shownIds.delete(this.shownIds.values().next().value!);
    }
  }
}
