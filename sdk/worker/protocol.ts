import type { SessionSnapshot } from '../persistence.js';
import type { TunableOptions } from '../options.js';
import type { CandidateBatch, Feedback, Info, IngestResult, Plan, RerankerOptions } from '../types.js';
import type { SwiperankErrorCode } from '../errors.js';

/** Errors cross the worker boundary as values, so their `code` survives. */
export type Outcome<T> = { ok: true; value: T } | { ok: false; code: SwiperankErrorCode | 'INTERNAL'; message: string };

/** State the page mirrors after each feedback, to restore a restarted worker. */
export interface FeedbackReply {
  interest: number[];
  last: SessionSnapshot['last'];
}

/** The engine as the page sees it through comlink. */
export interface WorkerApi {
  init(options: RerankerOptions, restore: SessionSnapshot | null): Promise<Outcome<Info>>;
  ingest(batch: CandidateBatch): Promise<Outcome<IngestResult>>;
  plan(): Promise<Outcome<Plan>>;
  feedback(event: Feedback): Promise<Outcome<FeedbackReply>>;
  swipe(event: Feedback): Promise<Outcome<Plan & { state: FeedbackReply }>>;
  configure(patch: TunableOptions): Promise<Outcome<void>>;
  info(): Promise<Outcome<Info>>;
  flush(): Promise<Outcome<void>>;
  dispose(): Promise<Outcome<void>>;
}
