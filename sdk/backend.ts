import type { CandidatePool } from './model/pool.js';
import type { LastShown } from './model/lookahead.js';
import type { PlanResult } from './model/planner.js';
import { CpuPlanner } from './model/planner.js';
import type { BackendKind, GpuStats, PlanOptions, ResolvedOptions } from './types.js';

/** What the engine needs of a backend: one plan at a time over the engine's pool and state. */
export interface Backend {
  readonly kind: BackendKind;
  /** Adapter description ('cpu' for the CPU backend). */
  readonly adapter: string;
  /**
   * The engine passes `PlanOptions` (T resolved once per plan); a direct caller may pass
   * `'auto'`, which the backend resolves with the same `SessionValue` rule.
   */
  plan(pool: CandidatePool, u: Float64Array, last: LastShown | null, options: ResolvedOptions | PlanOptions): Promise<BackendPlan>;
  /** Frees GPU buffers and the device; the backend is unusable afterwards. */
  dispose(): void;
  /** GPU figures (WebGPU backend only), reported by `info().gpu`. */
  readonly stats?: GpuStats;
  /**
   * WebGPU only: runs a plan to completion without reading its result. `'auto'` times WebGPU
   * with it, so the CPU engine's thread never reads mapped GPU memory unless WebGPU wins
   * (see `GpuPlanner.runUnread`).
   */
  runUnread?(pool: CandidatePool, u: Float64Array, last: LastShown | null, options: ResolvedOptions | PlanOptions): Promise<void>;
  /** WebGPU only: the time of one empty submit and readback, a floor under any plan. */
  readbackFloorMs?(): Promise<number>;
}

export interface BackendPlan extends PlanResult {
  /** GPU time of the plan, where the backend can tell. */
  gpuMs?: number;
}

/** The exact CPU backend: the model code itself. */
export function createCpuBackend(): Backend {
  const planner = new CpuPlanner();
  return {
    kind: 'cpu',
    adapter: 'cpu',
    plan: async (pool, u, last, options) => planner.plan(pool, u, last, options),
    dispose: () => {},
  };
}
