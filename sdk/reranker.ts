import { transfer, wrap, type Remote } from 'comlink';
import { SwiperankError } from './errors.js';
import { LIMITS } from './limits.js';
import { resolveOptions, type TunableOptions } from './options.js';
import type { SessionSnapshot } from './persistence.js';
import type { CandidateBatch, CandidateColumns, Feedback, Info, IngestResult, Plan, RerankerOptions } from './types.js';
import type { FeedbackReply, Outcome, WorkerApi } from './worker/protocol.js';
import { startWorker, type BundledWorker } from './worker/start.js';

/** A reranker: every call is served in call order, in the worker when there is one. */
export interface Reranker {
  /** Adds or updates server-sent candidates; a bad batch rejects whole and changes nothing. */
  ingest(batch: CandidateBatch): Promise<IngestResult>;
  /** Plans the next slots; `items[0]` is the item to show now. Never returns a stale plan. */
  plan(): Promise<Plan>;
  /** Reports what happened to the item just shown, and replans. */
  swipe(feedback: Feedback): Promise<Plan>;
  /** Reports what happened to the item just shown, without replanning. */
  feedback(feedback: Feedback): Promise<void>;
  /** Changes fusion, look-ahead or personalisation options on the live reranker. */
  configure(patch: TunableOptions): Promise<void>;
  /** Backend, adapter, pool size and persistence status. */
  info(): Promise<Info>;
  /**
   * Writes the batched persistence now (writes otherwise wait up to 400 ms). Called for you
   * when the page is hidden or unloaded.
   */
  flush(): Promise<void>;
  /** Frees the GPU buffers and the worker; later calls reject with DISPOSED. */
  dispose(): Promise<void>;
}

interface Connection {
  api: WorkerApi | Remote<WorkerApi>;
  /** Rejects when the worker dies or errors. */
  failed: Promise<never>;
  terminate(): void;
}

type Method = keyof WorkerApi;

const TYPED_COLUMNS = ['pCvr', 'pVtr', 'pSdr', 'value', 'category', 'embedding'] as const;

function unwrap<T>(o: Outcome<T>): T {
  if (o.ok) return o.value;
  if (o.code === 'INTERNAL') throw new Error(o.message);
  throw new SwiperankError(o.code, o.message);
}

/** Typed-array columns move to the worker; the page keeps a copy to refill a restarted worker. */
function forTransfer(batch: CandidateBatch): { send: CandidateBatch; keep: CandidateBatch; buffers: ArrayBuffer[] } {
  if (Array.isArray(batch) || batch === null || typeof batch !== 'object') return { send: batch, keep: batch, buffers: [] };
  const keep = { ...batch } as Record<string, unknown>;
  const buffers: ArrayBuffer[] = [];
  for (const name of TYPED_COLUMNS) {
    const col = (batch as CandidateColumns)[name];
    if (!ArrayBuffer.isView(col) || !(col.buffer instanceof ArrayBuffer)) continue;
    keep[name] = col.slice();
    if (col.byteOffset === 0 && col.byteLength === col.buffer.byteLength && !buffers.includes(col.buffer)) {
      buffers.push(col.buffer);
    }
  }
  return { send: batch, keep: keep as unknown as CandidateBatch, buffers };
}

function batchLength(batch: CandidateBatch): number {
  return Array.isArray(batch) ? batch.length : (batch as CandidateColumns).id?.length ?? 0;
}

class RerankerClient implements Reranker {
  private connection: Connection | null = null;
  private queue: Promise<unknown> = Promise.resolve();
  /** Bumped when a state-changing call is enqueued: a plan enqueued before it is stale. */
  private mutations = 0;
  private disposed = false;
  private unwatch = (): void => {};
  /** What a restarted worker is given back: the interest state, shown ids and candidates. */
  private mirror: { interest: number[]; last: SessionSnapshot['last']; shown: Set<string>; batches: CandidateBatch[]; rows: number };

  constructor(
    private readonly options: RerankerOptions,
    private readonly useWorker: boolean,
    private readonly timeoutMs: number,
    private readonly embeddingDim: number,
    private readonly bundled: BundledWorker,
  ) {
    this.mirror = { interest: new Array<number>(embeddingDim).fill(0), last: null, shown: new Set(), batches: [], rows: 0 };
  }

  /** Starting compiles GPU pipelines, slow on software adapters: it gets more time than a call. */
  private get startTimeoutMs(): number {
    return Math.max(this.timeoutMs, 30_000);
  }

  async start(): Promise<void> {
    await this.connect(null);
  }

  private async connect(restore: SessionSnapshot | null): Promise<Connection> {
    let connection: Connection;
    if (this.useWorker) {
      const { worker, failed } = await startWorker(this.options, this.bundled);
      connection = { api: wrap<WorkerApi>(worker), failed, terminate: () => worker.terminate() };
      const { workerUrl: _u, createWorker: _c, ...cloneable } = this.options;
      this.connection = connection;
      await this.guard(connection, connection.api.init(cloneable, restore), this.startTimeoutMs);
    } else {
      const { serveEngine } = await import('./worker/serve.js');
      const api = serveEngine({ inWorker: false });
      connection = { api, failed: new Promise<never>(() => {}), terminate: () => {} };
      this.connection = connection;
      await this.guard(connection, api.init(this.options, restore), this.startTimeoutMs);
    }
    return connection;
  }

  /** Restarts a dead worker with the mirrored session and candidates. */
  private async reconnect(): Promise<Connection> {
    const m = this.mirror;
    const restore: SessionSnapshot = {
      version: 1, embeddingDim: this.embeddingDim, interest: m.interest, shownIds: Array.from(m.shown), last: m.last,
    };
    const connection = await this.connect(restore);
    for (const batch of m.batches) {
      // Copies again: the kept batch must survive another restart.
      await this.guard(connection, connection.api.ingest(forTransfer(batch).keep));
    }
    return connection;
  }

  private async guard<T>(connection: Connection, call: Promise<Outcome<T>>, timeoutMs = this.timeoutMs): Promise<T> {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new SwiperankError('TIMEOUT',
        `the reranker did not answer within ${timeoutMs} ms (timeoutMs)`)), timeoutMs);
    });
    try {
      return unwrap(await Promise.race([call, connection.failed, timeout]));
    } catch (e) {
      const code = (e as SwiperankError).code;
      if (code === 'WORKER_FAILED' || (code === 'TIMEOUT' && this.useWorker)) this.drop(connection);
      throw e;
    } finally {
      clearTimeout(timer);
    }
  }

  private drop(connection: Connection): void {
    connection.terminate();
    if (this.connection === connection) this.connection = null;
  }

  /** Runs `call` after every earlier call has settled. */
  private enqueue<T>(mutation: boolean, call: (api: Connection) => Promise<T>): Promise<T> {
    if (this.disposed) return Promise.reject(new SwiperankError('DISPOSED', 'this reranker was disposed'));
    if (mutation) this.mutations++;
    const run = async () => {
      if (this.disposed) throw new SwiperankError('DISPOSED', 'this reranker was disposed');
      const connection = this.connection ?? await this.reconnect();
      return call(connection);
    };
    const result = this.queue.then(run, run);
    this.queue = result.catch(() => {});
    return result;
  }

  ingest(batch: CandidateBatch): Promise<IngestResult> {
    return this.enqueue(true, async (c) => {
      const { send, keep, buffers } = this.useWorker ? forTransfer(batch) : { send: batch, keep: batch, buffers: [] };
      const result = await this.guard(c, c.api.ingest(buffers.length ? transfer(send, buffers) : send));
      this.remember(keep);
      return result;
    });
  }

  private remember(batch: CandidateBatch): void {
    const m = this.mirror;
    m.batches.push(batch);
    m.rows += batchLength(batch);
    while (m.rows > 2 * LIMITS.poolSize && m.batches.length > 1) m.rows -= batchLength(m.batches.shift()!);
  }

  private noteFeedback(id: string, state: FeedbackReply): void {
    const m = this.mirror;
    m.interest = state.interest;
    m.last = state.last;
    m.shown.delete(id);
    m.shown.add(id);
    if (m.shown.size > LIMITS.shownIds) m.shown.delete(m.shown.values().next().value!);
  }

  /** A plan is returned only if no state change was asked for after it; otherwise it is redone. */
  private current(seen: number, plan: Plan): Promise<Plan> | Plan {
    return this.mutations === seen ? plan : this.plan();
  }

  plan(): Promise<Plan> {
    const seen = this.mutations;
    return this.enqueue(false, (c) => this.guard(c, c.api.plan())).then((p) => this.current(seen, p));
  }

  swipe(feedback: Feedback): Promise<Plan> {
    const promise = this.enqueue(true, async (c) => {
      const { state, ...plan } = await this.guard(c, c.api.swipe(feedback));
      this.noteFeedback(feedback.id, state);
      return plan;
    });
    const seen = this.mutations;
    return promise.then((p) => this.current(seen, p));
  }

  feedback(feedback: Feedback): Promise<void> {
    return this.enqueue(true, async (c) => {
      this.noteFeedback(feedback.id, await this.guard(c, c.api.feedback(feedback)));
    });
  }

  configure(patch: TunableOptions): Promise<void> {
    return this.enqueue(true, (c) => this.guard(c, c.api.configure(patch)));
  }

  info(): Promise<Info> {
    return this.enqueue(false, (c) => this.guard(c, c.api.info()));
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

/**
 * Creates a reranker. Every option has a default; bad options reject with BAD_OPTION or
 * LIMIT_EXCEEDED naming the field. Runs in a Web Worker where one exists: the host's
 * (`workerUrl`, `createWorker`), else `bundled` (the entry point's choice).
 */
export async function createReranker(options: RerankerOptions = {}, bundled: BundledWorker = null): Promise<Reranker> {
  const resolved = resolveOptions(options);
  if (options.worker !== undefined && typeof options.worker !== 'boolean') {
    throw new SwiperankError('BAD_OPTION', `options.worker must be a boolean, got ${String(options.worker)}`);
  }
  const useWorker = options.worker ?? typeof Worker !== 'undefined';
  if (useWorker && typeof Worker === 'undefined') {
    throw new SwiperankError('BAD_OPTION', 'options.worker is true, but this environment has no Worker');
  }
  const client = new RerankerClient(options, useWorker, resolved.timeoutMs, resolved.embeddingDim, bundled);
  await client.start();
  if (resolved.persistence) client.watchPageLifecycle();
  return client;
}
