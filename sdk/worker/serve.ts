import type { Backends } from '../backend-choice.js';
import { Engine } from '../engine.js';
import { isSwiperankError, SwiperankError } from '../errors.js';
import type { Outcome, WorkerApi } from './protocol.js';

function failure(e: unknown): Outcome<never> {
  if (isSwiperankError(e)) return { ok: false, code: e.code, message: e.message, details: e.details };
  return { ok: false, code: 'INTERNAL', message: e instanceof Error ? `${e.name}: ${e.message}` : String(e) };
}

async function outcome<T>(run: () => T | Promise<T>): Promise<Outcome<T>> {
  try {
    return { ok: true, value: await run() };
  } catch (e) {
    return failure(e);
  }
}

/** The worker-side API over one Engine; also what the page runs inline when `worker: false`. */
export function serveEngine({ inWorker, backends }: { inWorker: boolean; backends?: Backends }): WorkerApi {
  let engine: Engine | null = null;
  const use = (): Engine => {
    if (!engine) throw new SwiperankError('WORKER_FAILED', 'the engine was not initialised');
    return engine;
  };
  return {
    init: (options, restore) => outcome(async () => {
      const started = await Engine.create(options, { inWorker, backends });
      if (restore) {
        started.restore(restore);
        // A restart's cold start (GPU pipelines, first upload) belongs to the start, not to the next call's timeout.
        if (restore.pool.ids.length > 0) await started.plan();
      }
      engine = started;
      return started.info();
    }),
    ingest: (batch) => outcome(() => use().ingest(batch)),
    remove: (ids) => outcome(() => use().remove(ids)),
    reset: (keep) => outcome(() => use().reset(keep)),
    plan: () => outcome(() => use().plan()),
    feedback: (event) => outcome(() => use().feedback(event)),
    swipe: async (event) => {
      const recorded = await outcome(() => use().feedback(event));
      if (!recorded.ok) return recorded;
      const plan = await outcome(() => use().plan());
      return plan.ok ? plan : { ...plan, recorded: true };
    },
    configure: (patch) => outcome(() => use().configure(patch)),
    info: () => outcome(() => use().info()),
    flush: () => outcome(() => use().flush()),
    dispose: () => outcome(async () => {
      await engine?.dispose();
    }),
  };
}
