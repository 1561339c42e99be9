/** Everything the package exports but `createReranker`, which each entry point defines. */
export type { Reranker } from './reranker.js';
export { SwiperankError, isSwiperankError, type SwiperankErrorCode, type SwiperankErrorDetails } from './errors.js';
export { LIMITS } from './limits.js';
export { DEFAULT_OPTIONS, type TunableOptions } from './options.js';
export type {
  BackendChoiceInfo, BackendKind, BackendMode, CandidateBatch, GpuStats, CandidateColumns, CandidateRow, ClassicFusion, Feedback, FusionOptions,
  Info, IngestResult, LookaheadOptions, MocFusion, Objectives, PersistenceStatus, PersonalizationOptions,
  Plan, PlanItem, RemoveResult, RerankerOptions, ResetOptions, ResolvedOptions,
} from './types.js';
