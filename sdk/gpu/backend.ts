import type { Backend, BackendPlan } from '../backend.js';
import type { LastShown } from '../model/lookahead.js';
import type { CandidatePool } from '../model/pool.js';
import { SessionValue, withSessionValue } from '../model/tail.js';
import type { GpuStats, PlanOptions, ResolvedOptions } from '../types.js';
import { GpuPlanner, type PlanTraffic } from './planner.js';

/**
 * The WebGPU backend: owns the device (through a GpuPlanner) and survives one device
 * loss by rebuilding device, pipelines and buffers and re-running the plan in flight. A
 * second loss makes `plan()` throw, and the engine hands the work to the CPU backend.
 */
class WebGpuBackend implements Backend {
  readonly kind = 'webgpu';
  adapter: string;
  readonly stats: GpuStats = {
    buffers: 0, bufferBytes: 0, dispatches: 0, submits: 0, readbacks: 0, bytesUploaded: 0, bytesReadBack: 0,
    deviceLosses: 0, isFallbackAdapter: false,
  };
  private planner: GpuPlanner;
  /** Plans run one at a time: they share buffers and one readback buffer. */
  private queue: Promise<unknown> = Promise.resolve();
  private disposed = false;
  /** Only for direct callers that pass `'auto'`: the engine hands over T already resolved. */
  private readonly sessionValue = new SessionValue();

  constructor(planner: GpuPlanner) {
    this.planner = planner;
    this.adapter = planner.description;
    this.stats.isFallbackAdapter = planner.isFallbackAdapter;
  }

  readonly onLost = (): void => {
    this.stats.deviceLosses++;
  };

  plan(pool: CandidatePool, u: Float64Array, last: LastShown | null, given: ResolvedOptions | PlanOptions): Promise<BackendPlan> {
    const options = withSessionValue(this.sessionValue, pool, given);
    return this.enqueue(async (planner) => {
      const { plan, traffic } = await planner.plan(pool, u, last, options);
      this.account(planner, traffic);
      return plan;
    });
  }

  runUnread(pool: CandidatePool, u: Float64Array, last: LastShown | null, given: ResolvedOptions | PlanOptions): Promise<void> {
    const options = withSessionValue(this.sessionValue, pool, given);
    return this.enqueue(async (planner) => {
      this.account(planner, await planner.runUnread(pool, u, last, options));
    });
  }

  private account(planner: GpuPlanner, traffic: PlanTraffic): void {
    Object.assign(this.stats, traffic, { buffers: planner.bufferCount, bufferBytes: planner.bufferBytes });
  }

  /** Runs one plan after the ones before it; a device loss rebuilds once and runs it again. */
  private enqueue<T>(work: (planner: GpuPlanner) => Promise<T>): Promise<T> {
    const run = () => this.planOnce(work);
    const result = this.queue.then(run, run);
    this.queue = result.catch(() => {});
    return result;
  }

  private async planOnce<T>(work: (planner: GpuPlanner) => Promise<T>): Promise<T> {
    const start = performance.now();
    for (;;) {
      if (this.disposed) throw new Error('the WebGPU backend was disposed');
      const planner = this.planner;
      try {
        if (planner.lost) throw new Error('the WebGPU device was lost between plans');
        const result = await work(planner);
        this.stats.firstPlanMs ??= performance.now() - start;
        return result;
      } catch (e) {
        // Anything but a device loss is a fault of this backend: let the engine fall back.
        if (!(await planner.confirmLoss())) throw e;
        await this.rebuild(planner);
      }
    }
  }

  private async rebuild(lost: GpuPlanner): Promise<void> {
    lost.destroy();
    this.stats.buffers = 0;
    this.stats.bufferBytes = 0;
    if (this.stats.deviceLosses > 1) {
      throw new Error(`the WebGPU device was lost ${this.stats.deviceLosses} times (last: ${lost.lost?.reason ?? 'unknown'}: ${lost.lost?.message ?? ''})`);
    }
    this.planner = await GpuPlanner.open(this.onLost);
    this.adapter = this.planner.description;
    this.stats.isFallbackAdapter = this.planner.isFallbackAdapter;
  }

  /** The fastest of three empty submit-and-readback round trips: no plan can be faster. */
  async readbackFloorMs(): Promise<number> {
    const { device } = this.planner;
    const probe = device.createBuffer({ label: 'swiperank.readback-floor', size: 16, usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST });
    let floor = Infinity;
    try {
      for (let i = 0; i < 3; i++) {
        const start = performance.now();
        device.queue.submit([device.createCommandEncoder({ label: 'swiperank.readback-floor' }).finish()]);
        await probe.mapAsync(GPUMapMode.READ);
        floor = Math.min(floor, performance.now() - start);
        probe.unmap();
      }
    } finally {
      probe.destroy();
    }
    return floor;
  }

  dispose(): void {
    this.disposed = true;
    this.planner.destroy();
    this.stats.buffers = 0;
    this.stats.bufferBytes = 0;
  }
}

/** Opens a device and builds the pipelines; throws with the reason when WebGPU cannot be had. */
export async function createWebGpuBackend(): Promise<Backend> {
  let backend: WebGpuBackend | null = null;
  const planner = await GpuPlanner.open(() => backend?.onLost());
  backend = new WebGpuBackend(planner);
  return backend;
}
