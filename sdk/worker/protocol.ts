import type { SessionRestore } from '../model/session.js';
import type { TunableOptions } from '../options.js';
import type {
  CandidateBatch, Feedback, Info, IngestResult, Plan, RemoveResult, ResetOptions, RerankerOptions,
} from '../types.js';
import type { SwiperankErrorCode, SwiperankErrorDetails } from '../errors.js';

/**
 * Errors cross the worker boundary as values, so their `code` and `details` survive.
 * `recorded`: a swipe whose feedback was recorded before its plan failed.
 */
export type Outcome<T> =
  | { ok: true; value: T }
  | { ok: false; code: SwiperankErrorCode | 'INTERNAL'; message: string; details?: SwiperankErrorDetails; recorded?: boolean };

/** The engine as the page sees it through comlink. */
export interface WorkerApi {
  /** Starts the engine; `restore` is the page's copy of the session a dead worker had. */
  init(options: RerankerOptions, restore: SessionRestore | null): Promise<Outcome<Info>>;
  ingest(batch: CandidateBatch): Promise<Outcome<IngestResult>>;
  remove(ids: string[]): Promise<Outcome<RemoveResult>>;
  reset(keep: ResetOptions): Promise<Outcome<void>>;
  plan(): Promise<Outcome<Plan>>;
  feedback(event: Feedback): Promise<Outcome<void>>;
  swipe(event: Feedback): Promise<Outcome<Plan>>;
  configure(patch: TunableOptions): Promise<Outcome<void>>;
  info(): Promise<Outcome<Info>>;
  flush(): Promise<Outcome<void>>;
  dispose(): Promise<Outcome<void>>;
}
