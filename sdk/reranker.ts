import { transfer, wrap, type Remote } from 'comlink';
import { details, SwiperankError, show } from './errors.js';
import type { SessionRestore, SessionState } from './model/session.js';
import { reconfigure, resolveOptions, type TunableOptions } from './options.js';
import type {
  CandidateBatch, CandidateColumns, Feedback, Info, IngestResult, Plan, RemoveResult, ResetOptions, RerankerOptions,
  ResolvedOptions,
} from './types.js';
import type { Outcome, WorkerApi } from './worker/protocol.js';
import { startWorker, type BundledWorker } from './worker/start.js';

/** A reranker: every call is served in call order, in the worker when there is one. */
export interface Reranker {
  /**
   * Adds or updates server-sent candidates; a bad batch rejects whole and changes nothing.
   * Typed-array columns are copied; `{ transfer: true }` moves them to the worker instead
   * (faster for big batches; they are detached afterwards, even if the batch is rejected).
   */
  ingest(batch: CandidateBatch, options?: { transfer?: boolean }): Promise<IngestResult>;
  /** Takes unshown candidates out of the pool (sold out, withdrawn); unknown ids are ignored. */
  remove(ids: string[]): Promise<RemoveResult>;
  /**
   * Empties the pool and starts over: the interest state is dropped unless `keepInterest`,
   * the shown ids are kept unless `keepShown: false`.
   */
  reset(keep?: ResetOptions): Promise<void>;
  /**
   * Plans the next slots; `items[0]` is the item to show now, and `items` is empty when
   * nothing can be planned. Reflects every state change asked for before it was answered.
   */
  plan(): Promise<Plan>;
  /**
   * Reports what happened to the item just shown, and replans. If it rejects, calling it again
   * with the same feedback is safe: a feedback already recorded is not recorded twice.
   */
  swipe(feedback: Feedback): Promise<Plan>;
  /** Reports what happened to the item just shown, without replanning. */
  feedback(feedback: Feedback): Promise<void>;
  /** Changes fusion, look-ahead, personalisation or backend options on the live reranker. */
  configure(patch: TunableOptions): Promise<void>;
  /** Backend, adapter, pool size and persistence status. */
  info(): Promise<Info>;
  /**
   * Writes the batched persistence now: a swipe after a quiet spell is written at once, one
   * within 400 ms of the last write waits for the window. Called for you when the page is hidden.
   */
  flush(): Promise<void>;
  /** Frees the GPU buffers and the worker; later calls reject with DISPOSED. */
  dispose(): Promise<void>;
}

interface Connection {
  api: WorkerApi | Remote<WorkerApi>;
  /** Runs on the page, not in a worker. */
  inline: boolean;
  /**
   * Calls waiting on this connection, rejected when the worker dies or errors. A set, not one
   * shared promise: a reaction added per call to a promise that never settles is never freed.
   */
  waiting: Set<(e: Error) => void>;
  /** Why the worker died, once it has. */
  failure: Error | null;
  terminate(): void;
}

const TYPED_COLUMNS = ['pCvr', 'pVtr', 'pSdr', 'value', 'category', 'embedding'] as const;

/** Worker losses in a row (failed starts included) after which the feed runs inline on the CPU. */
const MAX_LOSSES = 3;
/** Wait before restart `n` (1-based): 50 ms, 100 ms, 200 ms, ... at most 2 s. */
const backoffMs = (losses: number) => Math.min(2_000, 50 * 2 ** (losses - 1));

const now = () => (typeof performance !== 'undefined' ? performance.now() : Date.now());

function unwrap<T>(o: Outcome<T>): T {
  if (o.ok) return o.value;
  if (o.code === 'INTERNAL') throw new Error(o.message);
  throw new SwiperankError(o.code, o.message, o.details ?? {});
}

/** The whole-buffer typed-array columns of `batch`, which `{ transfer: true }` moves. */
function transferables(batch: CandidateBatch): ArrayBuffer[] {
  if (Array.isArray(batch) || batch === null || typeof batch !== 'object') return [];
  const buffers: ArrayBuffer[] = [];
  for (const name of TYPED_COLUMNS) {
    const col = (batch as CandidateColumns)[name];
    if (!ArrayBuffer.isView(col) || !(col.buffer instanceof ArrayBuffer)) continue;
    if (col.byteOffset === 0 && col.byteLength === col.buffer.byteLength && !buffers.includes(col.buffer)) {
      buffers.push(col.buffer);
    }
  }
  return buffers;
}

function restoreBuffers(r: SessionRestore): ArrayBuffer[] {
  const { session: s, pool: p } = r;
  const views = [s.interest, s.shown, p.pCvr, p.pVtr, p.pSdr, p.value, p.category, p.hasCategory, p.embedding];
  if (s.last) views.push(s.last.embedding);
  if (s.satiation) views.push(s.satiation);
  return views.map((v) => v.buffer as ArrayBuffer);
}

class RerankerClient implements Reranker {
  private connection: Connection | null = null;
  private queue: Promise<unknown> = Promise.resolve();
  /** Bumped when a state-changing call is enqueued: a plan enqueued before it is stale. */
  private mutations = 0;
  private disposed = false;
  private unwatch = (): void => {};
  /**
   * The page's copy of the worker's session, fed every call the worker accepted, so a
   * restarted worker gets back exactly the pool and shown ids the dead one had. Typed
   * columns bounded by `maxPoolSize`; no references to the caller's objects.
   */
  private mirror: SessionState | null = null;
  private resolved: ResolvedOptions;
  /** Worker losses in a row; reset by the first call a worker answers. */
  private losses = 0;
  private lastLoss = '';
  private retryAt = 0;
  /** Why the feed runs inline on the CPU, once the worker kept failing. */
  private inlineFallback: string | null = null;
  /** A swipe whose feedback was recorded but whose plan failed: its retry only replans. */
  private unplannedSwipe: string | null = null;
  private lowFired = false;

  constructor(
    private readonly options: RerankerOptions,
    private readonly useWorker: boolean,
    resolved: ResolvedOptions,
    private readonly bundled: BundledWorker,
  ) {
    this.resolved = resolved;
  }

  private get timeoutMs(): number {
    return this.resolved.timeoutMs;
  }

  /** Starting compiles GPU pipelines, slow on software adapters: it gets more time than a call. */
  private get startTimeoutMs(): number {
    return Math.max(this.timeoutMs, 30_000);
  }

  async start(): Promise<void> {
    // Loaded apart: only a page with a worker keeps a copy, and the entry stays small.
    if (this.useWorker) this.mirror = new (await import('./model/session.js')).SessionState(this.resolved.embeddingDim);
    await this.connect(null, !this.useWorker);
  }

  /** Starts an engine, in a worker or inline; a start that fails leaves no worker behind. */
  private async connect(restore: SessionRestore | null, inline: boolean): Promise<Connection> {
    let connection: Connection;
    let init: Promise<Outcome<Info>>;
    if (!inline) {
      const { worker, failed } = await startWorker(this.options, this.bundled);
      // One reaction per worker, handed on to the calls waiting at the time.
      failed.catch((e: Error) => {
        connection.failure ??= e;
        for (const reject of connection.waiting) reject(e);
      });
      connection = { api: wrap<WorkerApi>(worker), inline, waiting: new Set(), failure: null, terminate: () => worker.terminate() };
      const { workerUrl: _u, createWorker: _c, lowWater: _l, ...cloneable } = this.options;
      init = connection.api.init(cloneable, restore && transfer(restore, restoreBuffers(restore)));
    } else {
      const { serveEngine } = await import('./worker/serve.js');
      const api = serveEngine({ inWorker: false });
      connection = { api, inline, waiting: new Set(), failure: null, terminate: () => {} };
      const options = this.inlineFallback ? { ...this.options, backend: 'cpu' as const } : this.options;
      init = api.init(options, restore);
    }
    try {
      await this.guard(connection, init, this.startTimeoutMs);
    } catch (e) {
      connection.terminate();
      throw e;
    }
    this.connection = connection;
    return connection;
  }

  /**
   * The live engine, restarting a dead worker from the page's copy first. The restart runs
   * outside the call's timeout, after a backoff; after MAX_LOSSES losses in a row the feed
   * moves inline on the CPU for good.
   */
  private async live(): Promise<Connection> {
    if (this.connection) return this.connection;
    const wait = this.retryAt - now();
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
    if (this.losses >= MAX_LOSSES && !this.inlineFallback) {
      this.inlineFallback = `the worker failed ${this.losses} times in a row (last: ${this.lastLoss}); running inline on the CPU`;
    }
    const restore = this.mirror && { session: this.mirror.snapshot(), pool: this.mirror.plannable() };
    try {
      return await this.connect(restore, !this.useWorker || this.inlineFallback !== null);
    } catch (e) {
      this.noteLoss(e);
      throw e;
    }
  }

  private noteLoss(e: unknown): void {
    this.losses++;
    this.lastLoss = e instanceof Error ? e.message : String(e);
    this.retryAt = now() + backoffMs(this.losses);
  }

  /** Waits for a call's outcome, at most `timeoutMs`; a dead or silent worker is dropped. */
  private async settle<T>(connection: Connection, call: Promise<Outcome<T>>, timeoutMs = this.timeoutMs): Promise<Outcome<T>> {
    let timer: ReturnType<typeof setTimeout> | undefined;
    let stop!: (e: Error) => void;
    const stopped = new Promise<never>((_, reject) => {
      stop = reject;
      if (connection.failure) reject(connection.failure);
      connection.waiting.add(reject);
      timer = setTimeout(() => reject(new SwiperankError('TIMEOUT',
        `the reranker did not answer within ${timeoutMs} ms (timeoutMs)`, { field: 'options.timeoutMs', value: timeoutMs })), timeoutMs);
    });
    try {
      const outcome = await Promise.race([call, stopped]);
      if (connection === this.connection) this.losses = 0;
      return outcome;
    } catch (e) {
      const code = (e as SwiperankError).code;
      if (code === 'WORKER_FAILED' || (code === 'TIMEOUT' && !connection.inline)) this.drop(connection, e);
      throw e;
    } finally {
      clearTimeout(timer);
      connection.waiting.delete(stop);
    }
  }

  private async guard<T>(connection: Connection, call: Promise<Outcome<T>>, timeoutMs = this.timeoutMs): Promise<T> {
    return unwrap(await this.settle(connection, call, timeoutMs));
  }

  private drop(connection: Connection, why: unknown): void {
    connection.terminate();
    if (this.connection !== connection) return;
    this.connection = null;
    this.noteLoss(why);
  }

  /** Runs `call` after every earlier call has settled. */
  private enqueue<T>(mutation: boolean, call: (api: Connection) => Promise<T>): Promise<T> {
    if (this.disposed) return Promise.reject(new SwiperankError('DISPOSED', 'this reranker was disposed'));
    if (mutation) this.mutations++;
    const run = async () => {
      if (this.disposed) throw new SwiperankError('DISPOSED', 'this reranker was disposed');
      return call(await this.live());
    };
    const result = this.queue.then(run, run);
    this.queue = result.catch(() => {});
    return result;
  }

  ingest(batch: CandidateBatch, { transfer: move = false }: { transfer?: boolean } = {}): Promise<IngestResult> {
    return this.enqueue(true, async (c) => {
      // Validated here too: the page's copy needs the columns, and a bad batch fails without a round trip.
      const columns = this.mirror && this.mirror.validate(batch);
      const buffers = move && !c.inline ? transferables(batch) : [];
      const result = await this.guard(c, c.api.ingest(buffers.length ? transfer(batch, buffers) : batch));
      if (columns) this.mirror!.ingest(columns, this.resolved.maxPoolSize);
      this.unplannedSwipe = null;
      if (result.poolSize >= (this.options.lowWater?.below ?? 0)) this.lowFired = false;
      return result;
    });
  }

  remove(ids: string[]): Promise<RemoveResult> {
    return this.enqueue(true, async (c) => {
      const result = await this.guard(c, c.api.remove(ids));
      this.mirror?.remove(ids);
      return result;
    });
  }

  reset(keep: ResetOptions = {}): Promise<void> {
    return this.enqueue(true, async (c) => {
      checkReset(keep);
      await this.guard(c, c.api.reset(keep));
      this.mirror?.reset(keep);
      this.unplannedSwipe = null;
      this.lowFired = false;
    });
  }

  /** A plan made stale by a later state change is redone once, after it: a stream of feedback cannot starve it. */
  private current(seen: number, plan: Plan): Promise<Plan> | Plan {
    return this.mutations === seen ? plan : this.enqueue(false, (c) => this.guard(c, c.api.plan()));
  }

  /** Tells the page, once, that the pool runs low. */
  private readonly deliver = (plan: Plan): Plan => {
    const low = this.options.lowWater;
    if (low && plan.poolSize < low.below && !this.lowFired) {
      this.lowFired = true;
      queueMicrotask(() => low.onLow(plan.poolSize));
    }
    return plan;
  };

  plan(): Promise<Plan> {
    const seen = this.mutations;
    return this.enqueue(false, (c) => this.guard(c, c.api.plan())).then((p) => this.current(seen, p)).then(this.deliver);
  }

  swipe(feedback: Feedback): Promise<Plan> {
    const promise = this.enqueue(true, async (c) => {
      if (this.unplannedSwipe !== null && feedback?.id === this.unplannedSwipe) {
        const plan = await this.guard(c, c.api.plan());
        this.unplannedSwipe = null;
        return plan;
      }
      let outcome: Outcome<Plan>;
      try {
        outcome = await this.settle(c, c.api.swipe(feedback));
      } catch (e) {
        // Inline, the feedback is recorded before the plan starts; a worker that timed out is gone with it.
        if (c.inline && (e as SwiperankError).code === 'TIMEOUT') this.unplannedSwipe = feedback.id;
        throw e;
      }
      const recorded = outcome.ok || outcome.recorded === true;
      if (recorded) this.mirror?.feedback(feedback, this.resolved.personalization);
      this.unplannedSwipe = recorded && !outcome.ok ? feedback.id : null;
      return unwrap(outcome);
    });
    const seen = this.mutations;
    return promise.then((p) => this.current(seen, p)).then(this.deliver);
  }

  feedback(feedback: Feedback): Promise<void> {
    return this.enqueue(true, async (c) => {
      await this.guard(c, c.api.feedback(feedback));
      this.mirror?.feedback(feedback, this.resolved.personalization);
      this.unplannedSwipe = null;
    });
  }

  configure(patch: TunableOptions): Promise<void> {
    return this.enqueue(true, async (c) => {
      await this.guard(c, c.api.configure(patch));
      this.resolved = reconfigure(this.resolved, patch);
    });
  }

  async info(): Promise<Info> {
    const info = await this.enqueue(false, (c) => this.guard(c, c.api.info()));
    return this.inlineFallback ? { ...info, fallbackReason: this.inlineFallback } : info;
  }

  flush(): Promise<void> {
    return this.enqueue(false, (c) => this.guard(c, c.api.flush()));
  }

  /**
   * A reload or tab switch must not lose the last swipes' shown ids to the write batching.
   * The flush goes beside the queue: a page being hidden cannot wait behind a plan, and must
   * not restart a dead worker. The worker saved each swipe before planning, so it is pending.
   */
  watchPageLifecycle(): void {
    if (typeof document === 'undefined' || typeof addEventListener !== 'function') return;
    const flushNow = () => {
      const connection = this.connection;
      if (connection && !this.disposed) this.guard(connection, connection.api.flush()).catch(() => {});
    };
    const onVisibility = () => {
      if (document.visibilityState === 'hidden') flushNow();
    };
    document.addEventListener('visibilitychange', onVisibility);
    addEventListener('pagehide', flushNow);
    this.unwatch = () => {
      document.removeEventListener('visibilitychange', onVisibility);
      removeEventListener('pagehide', flushNow);
    };
  }

  async dispose(): Promise<void> {
    if (this.disposed) return;
    const last = this.queue;
    this.disposed = true;
    this.unwatch();
    await last;
    const connection = this.connection;
    this.connection = null;
    if (!connection) return;
    try {
      await this.guard(connection, connection.api.dispose());
    } finally {
      connection.terminate();
    }
  }
}

function checkReset(keep: unknown): void {
  const bad = (field: string, value: unknown, rule: string): never => {
    throw new SwiperankError('BAD_OPTION', `reset(): ${field} ${rule}, got ${show(value)}`, { field, value: typeof value === 'boolean' ? value : show(value) });
  };
  if (typeof keep !== 'object' || keep === null) bad('keep', keep, 'must be { keepInterest?, keepShown? }');
  for (const [key, value] of Object.entries(keep as object)) {
    if (key !== 'keepInterest' && key !== 'keepShown') bad(key, value, 'is not an option (known: keepInterest, keepShown)');
    if (value !== undefined && typeof value !== 'boolean') bad(key, value, 'must be a boolean');
  }
}

function checkLowWater(low: unknown): void {
  if (low === undefined) return;
  const bad = (field: string, value: unknown, rule: string): never => {
    throw new SwiperankError('BAD_OPTION', `options.${field} ${rule}, got ${show(value)}`, details({ field: `options.${field}`, value, rule }));
  };
  if (typeof low !== 'object' || low === null) bad('lowWater', low, 'must be { below: integer >= 0, onLow: function }');
  const l = low as { below?: unknown; onLow?: unknown };
  if (typeof l.below !== 'number' || !Number.isInteger(l.below) || l.below < 0) bad('lowWater.below', l.below, 'must be an integer >= 0');
  if (typeof l.onLow !== 'function') bad('lowWater.onLow', l.onLow, 'must be a function');
}

/**
 * Creates a reranker. Every option has a default; bad options reject with BAD_OPTION or
 * LIMIT_EXCEEDED naming the field. Runs in a Web Worker where one exists: the host's
 * (`workerUrl`, `createWorker`), else `bundled` (the entry point's choice).
 */
export async function createReranker(options: RerankerOptions = {}, bundled: BundledWorker = null): Promise<Reranker> {
  const resolved = resolveOptions(options);
  checkLowWater(options.lowWater);
  if (options.worker !== undefined && typeof options.worker !== 'boolean') {
    throw new SwiperankError('BAD_OPTION', `options.worker must be a boolean, got ${show(options.worker)}`,
      details({ field: 'options.worker', value: options.worker, rule: 'must be a boolean' }));
  }
  const useWorker = options.worker ?? typeof Worker !== 'undefined';
  if (useWorker && typeof Worker === 'undefined') {
    throw new SwiperankError('BAD_OPTION', 'options.worker is true, but this environment has no Worker');
  }
  const client = new RerankerClient(options, useWorker, resolved, bundled);
  await client.start();
  if (resolved.persistence) client.watchPageLifecycle();
  return client;
}
