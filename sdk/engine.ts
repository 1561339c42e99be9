import { createCpuBackend, type Backend } from './backend.js';
import { SwiperankError } from './errors.js';
import { checkIds, SessionState, type SessionRestore, type SessionSnapshot } from './model/session.js';
import { validateBatch } from './model/validate.js';
import { reconfigure, resolveOptions, type TunableOptions } from './options.js';
import { indexedDbStore, memoryStore, type SessionStore } from './persistence.js';
import type {
  CandidateBatch, Feedback, IngestResult, Info, Plan, RemoveResult, ResetOptions, RerankerOptions, ResolvedOptions,
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

/**
 * The reranker's state and work, wherever it runs (worker or inline): the pool, the
 * interest state, shown ids, the backend and persistence.
 */
export class Engine {
  private options: ResolvedOptions;
  private readonly state: SessionState;
  private generation = 0;
  private backend: Backend;
  private fallbackReason: string | undefined;
  private readonly store: SessionStore;
  private disposed = false;
  private readonly inWorker: boolean;

  private constructor(options: ResolvedOptions, backend: Backend, fallbackReason: string | undefined,
    store: SessionStore, inWorker: boolean) {
    this.options = options;
    this.state = new SessionState(options.embeddingDim);
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
    let result;
    try {
      result = await this.backend.plan(this.pool, this.state.interest, this.state.last, this.options);
    } catch (e) {
      if (this.backend.kind === 'cpu' || e instanceof SwiperankError) throw e;
      // The GPU backend already tried to rebuild its device; the CPU takes over for good.
      this.fallbackReason = `WebGPU backend failed: ${(e as Error).message}`;
      this.backend.dispose();
      this.backend = createCpuBackend();
      result = await this.backend.plan(this.pool, this.state.interest, this.state.last, this.options);
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
    return { items, poolSize: this.pool.eligibleCount, value: result.value, backend: this.backend.kind, generation, timings };
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
      shownCount: this.state.shown.size,
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
    return Array.from(this.state.interest);
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

}
