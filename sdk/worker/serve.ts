import type { Backends } from '../backend-choice.js';
import { Engine } from '../engine.js';
import { isSwiperankError, SwiperankError } from '../errors.js';
import type { FeedbackReply, Outcome, WorkerApi } from './protocol.js';

async function outcome<T>(run: () => T | Promise<T>): Promise<Outcome<T>> {
  try {
    return { ok: true, value: await run() };
  } catch (e) {
    if (isSwiperankError(e)) return { ok: false, code: e.code, message: e.message };
    return { ok: false, code: 'INTERNAL', message: e instanceof Error ? `${e.name}: ${e.message}` : String(e) };
  }
}

/** The worker-side API over one Engine; also what the page runs inline when `worker: false`. */
export function serveEngine({ inWorker, backends }: { inWorker: boolean; backends?: Backends }): WorkerApi {
  let engine: Engine | null = null;
  const use = (): Engine => {
    if (!engine) throw new SwiperankError('WORKER_FAILED', 'the engine was not initialised');
    return engine;
  };
  const reply = (e: Engine): FeedbackReply => {
    const s = e.snapshot();
    return { interest: s.interest, last: s.last };
  };
  return {
    init: (options, restore) => outcome(async () => {
      engine = await Engine.create(options, { inWorker, backends });
      if (restore) engine.restore(restore);
      return engine.info();
    }),
    ingest: (batch) => outcome(() => use().ingest(batch)),
    plan: () => outcome(() => use().plan()),
    feedback: (event) => outcome(() => {
      const e = use();
      e.feedback(event);
      return reply(e);
    }),
    swipe: (event) => outcome(async () => {
      const e = use();
      e.feedback(event);
      const state = reply(e);
      return { ...(await e.plan()), state };
    }),
    configure: (patch) => outcome(() => use().configure(patch)),
    info: () => outcome(() => use().info()),
    flush: () => outcome(() => use().flush()),
    dispose: () => outcome(async () => {
      await engine?.dispose();
    }),
  };
}
