import { createCpuBackend, type Backend } from './backend.js';
import { SwiperankError, show } from './errors.js';
import { LIMITS } from './limits.js';
import type { LastShown } from './model/lookahead.js';
import { feedbackSignal, updateInterest } from './model/personalize.js';
import { CandidatePool } from './model/pool.js';
import { SessionValue, withSessionValue } from './model/tail.js';
import { validateBatch } from './model/validate.js';
import { reconfigure, resolveOptions, type TunableOptions } from './options.js';
import { indexedDbStore, memoryStore, type SessionSnapshot, type SessionStore } from './persistence.js';
import type {
  CandidateBatch, Feedback, IngestResult, Info, Plan, RerankerOptions, ResolvedOptions,
} from './types.js';

/** Picks and starts the backend `options.backend` asks for. */
export type BackendFactory = (options: ResolvedOptions) => Promise<{ backend: Backend; fallbackReason?: string }>;

const now = () => (typeof performance !== 'undefined' ? performance.now() : Date.now());

/** Loads the WebGPU backend lazily, so CPU-only users never fetch it. */
export const defaultBackendFactory: BackendFactory = async (options) => {
  if (options.backend === 'cpu') return { backend: createCpuBackend() };
  let reason: string;
  try {
    const { createWebGpuBackend } = await import('./gpu/backend.js');
    return { backend: await createWebGpuBackend(options) };
  } catch (e) {
    reason = (e as Error).message;
  }
  if (options.backend === 'webgpu') {
    throw new SwiperankError('WEBGPU_UNAVAILABLE', `backend 'webgpu' was asked for, but ${reason}`);
  }
  return { backend: createCpuBackend(), fallbackReason: reason };
};

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
  /** Insertion-ordered, so the oldest ids drop first past the bound. */
  private readonly shownIds = new Set<string>();
  private last: LastShown | null = null;
  private readonly sessionValue = new SessionValue();
  private generation = 0;
  private backend: Backend;
  private fallbackReason: string | undefined;
  private readonly store: SessionStore;
  private disposed = false;
  private readonly inWorker: boolean;

  private constructor(options: ResolvedOptions, backend: Backend, fallbackReason: string | undefined,
    store: SessionStore, inWorker: boolean) {
    this.options = options;
    this.pool = new CandidatePool(options.embeddingDim);
    this.interest = new Float64Array(options.embeddingDim);
    this.backend = backend;
    this.fallbackReason = fallbackReason;
    this.store = store;
    this.inWorker = inWorker;
  }

  static async create(
    options: RerankerOptions | ResolvedOptions,
    { backends = defaultBackendFactory, inWorker = false }: { backends?: BackendFactory; inWorker?: boolean } = {},
  ): Promise<Engine> {
    const resolved = resolveOptions(options as RerankerOptions);
    const store = resolved.persistence
      ? indexedDbStore(resolved.persistence.name, resolved.embeddingDim)
      : memoryStore();
    const [{ backend, fallbackReason }, snapshot] = await Promise.all([backends(resolved), store.load()]);
    const engine = new Engine(resolved, backend, fallbackReason, store, inWorker);
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
    // T once per plan, here, so every backend plans with the same numbers.
    const options = withSessionValue(this.sessionValue, this.pool, this.options);
    let result;
    try {
      result = await this.backend.plan(this.pool, this.interest, this.last, options);
    } catch (e) {
      if (this.backend.kind === 'cpu' || e instanceof SwiperankError) throw e;
      // The GPU backend already tried to rebuild its device; the CPU takes over for good.
      this.fallbackReason = `WebGPU backend failed: ${(e as Error).message}`;
      this.backend.dispose();
      this.backend = createCpuBackend();
      result = await this.backend.plan(this.pool, this.interest, this.last, options);
    }
    const items = result.poolIndex.map((i, t) => ({
      id: this.pool.ids[i]!,
      score: result.score[t]!,
      reward: result.reward[t]!,
      continueProb: result.continueProb[t]!,
      reach: result.reach[t]!,
    }));
    const timings: Plan['timings'] = { totalMs: now() - start };
    if (result.gpuMs !== undefined) timings.gpuMs = result.gpuMs;
    return { items, value: result.value, backend: this.backend.kind, generation, timings };
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
      if (p !== false && dim > 0) updateInterest(this.interest, this.pool.embedding, at * dim, feedbackSignal(event, p), p);
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

  configure(patch: TunableOptions): void {
    this.alive();
    this.options = reconfigure(this.options, patch);
    this.generation++;
  }

  info(): Info {
    this.alive();
    const info: Info = {
      backend: this.backend.kind,
      adapter: this.backend.adapter,
      poolSize: this.pool.eligibleCount,
      shownCount: this.shownIds.size,
      persistence: this.store.status,
      generation: this.generation,
      worker: this.inWorker,
      embeddingDim: this.options.embeddingDim,
    };
    if (this.fallbackReason !== undefined) info.fallbackReason = this.fallbackReason;
    if (this.backend.stats) info.gpu = { ...this.backend.stats };
    if (this.store.reason !== undefined) info.persistenceReason = this.store.reason;
    return info;
  }

  /** The interest vector `u` (a copy). */
  interestState(): number[] {
    return Array.from(this.interest);
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
  }

  /** Writes pending persistence now. */
  flush(): Promise<void> {
    return this.store.flush();
  }

  async dispose(): Promise<void> {
    if (this.disposed) return;
    this.disposed = true;
    this.backend.dispose();
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
