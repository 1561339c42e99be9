/**
 * The simulator: seeded random streams, a catalog with true and server-predicted
 * probabilities, simulated users, the pages a session is served, the server's own order, the
 * rows the reranker ingests, and the statistics the evaluation reports. Pure TypeScript (no
 * Node APIs), so the evaluation, the bench and the demo's autopilot all run it.
 */
export { BASELINES, baselineReward, type Baseline, type PolicyState } from './baselines.js';
export { EVAL_CATALOG, makeCatalog, type CatalogItem, type CatalogOptions } from './catalog.js';
export { fatigue, type FatigueOptions } from './fatigue.js';
export { driftToward, initialInterest } from './interest.js';
export { EVAL_PAGES, PageStream, serverOrder } from './pages.js';
export { gaussian, mixSeed, seededRandom } from './random.js';
export { estimate, mean, pairedLift, percentile, Z95, type Estimate } from './stats.js';
export {
  DEFAULT_USER, LONG_VIEW_MS, SimulatedUser, SKIP_MS,
  type Outcome, type OutcomeProbabilities, type UserOptions,
} from './user.js';
export { candidateRow } from './wire.js';
