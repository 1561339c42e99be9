import { createCpuBackend, type Backend, type BackendPlan } from './backend.js';
import { details, SwiperankError } from './errors.js';
import type { LastShown } from './model/lookahead.js';
import type { CandidatePool } from './model/pool.js';
import type { BackendChoiceInfo, BackendKind, BackendMode, PlanOptions, ResolvedOptions } from './types.js';

/** The engine's live state, as one plan reads it. */
export interface PlanInput {
  pool: CandidatePool;
  interest: Float64Array;
  last: LastShown | null;
  /** The engine passes T already in place of 'auto' (resolved once per generation). */
  options: ResolvedOptions | PlanOptions;
  /** The engine's generation: two inputs with the same one are the same plan. */
  generation: number;
}

/** How the engine gets its backends; tests pass fakes. */
export interface Backends {
  cpu(): Backend;
  /** Opens a device and builds the pipelines; throws with the reason when WebGPU cannot be had. */
  webgpu(): Promise<Backend>;
}

/** Loads the WebGPU backend lazily, so CPU-only users never fetch it. */
export const defaultBackends: Backends = {
  cpu: createCpuBackend,
  webgpu: async () => {
    // Before the import: the WebGPU modules read GPUBufferUsage as they load, and where WebGPU is
    // missing (Node) the reason would read "GPUBufferUsage is not defined".
    if (!(globalThis as { navigator?: { gpu?: unknown } }).navigator?.gpu) {
      throw new Error('navigator.gpu is missing: WebGPU is not available in this context');
    }
    return (await import('./gpu/backend.js')).createWebGpuBackend();
  },
};

/** The rule `'auto'` decides by: both backends sampled this often, WebGPU kept only when clearly faster. */
export const CHOICE_RULE = {
  /** Plans timed per backend and pool class before deciding. */
  samples: 5,
  /** WebGPU is chosen only if its p50 is under this share of the CPU's p50. */
  margin: 0.8,
} as const;

const now = () => (typeof performance !== 'undefined' ? performance.now() : Date.now());
const nextTask = () => new Promise<void>((resolve) => setTimeout(resolve, 0));
const format = (ms: number) => `${ms < 10 ? ms.toFixed(2) : ms.toFixed(1)} ms`;

function median(xs: readonly number[]): number | undefined {
  if (xs.length === 0) return undefined;
  return xs.slice().sort((a, b) => a - b)[Math.floor(xs.length / 2)];
}

/**
 * Pools are measured in power-of-4 classes: plan cost grows with the pool, and a decision made
 * at 1,000 candidates says little about 65,536. Returns the class's [first, last] pool size.
 */
export function poolClass(eligible: number): [number, number] {
  const k = Math.floor(Math.log2(Math.max(1, eligible)) / 2);
  return [k === 0 ? 0 : 4 ** k, 4 ** (k + 1) - 1];
}

/** What a measurement holds for: the pool class and the plan's shape. */
function workloadOf({ pool, options }: PlanInput): string {
  const { shortlist, beamWidth, depth } = options.lookahead;
  return `${poolClass(pool.eligibleCount)[0]}/${shortlist}/${beamWidth}/${depth}/${options.fusion.kind}`;
}

/**
 * Which backend plans, and why. With `'auto'` the CPU plans from the start while WebGPU opens
 * in the background; then, per pool class, the CPU's own plans are timed and WebGPU runs the
 * same plans as shadows after a plan was returned, so no plan the caller awaits is delayed by
 * the race. WebGPU takes over only if its p50 beats the CPU's by the margin and its shadow
 * plans matched the CPU's. `'webgpu'` and `'cpu'` force a backend.
 */
export class BackendChoice {
  private mode: BackendMode;
  private readonly cpu: Backend;
  private gpu: Backend | null = null;
  /** Set while WebGPU is opening; cleared once it is open or failed. */
  private opening: Promise<Backend | null> | null = null;
  private serving: BackendKind = 'cpu';
  private state: BackendChoiceInfo['state'] = 'decided';
  private reason: string;
  /** Why WebGPU is not in use where it was wanted: it could not start, or it failed. */
  fallbackReason: string | undefined;
  private workload: string | null = null;
  private range: [number, number] = [0, 0];
  private samples: Record<BackendKind, number[]> = { cpu: [], webgpu: [] };
  /** The first WebGPU plan of a round grows buffers and uploads the pool: not a sample. */
  private gpuWarm = false;
  /** The least empty submit-and-readback seen: no WebGPU plan can be faster. */
  private readbackFloorMs: number | undefined;
  private floorProbed = false;
  /** The adapter WebGPU opened on, kept after its device is released. */
  private adapterName: string | undefined;
  /** WebGPU was closed after losing a measurement: the next pool class opens it again. */
  private released = false;
  /** A shadow plan that differed from the CPU's: WebGPU is not used again in this mode. */
  private parityFailure: string | null = null;
  /**
   * WebGPU measured faster (the reason to give): one of its plans, read back, must match the
   * CPU's before it serves. Timing runs are not read (`Backend.runUnread`).
   */
  private pendingWin: string | null = null;
  /**
   * Workloads the CPU won in this mode, with the reason: a pool that comes back to one (refills
   * can swing it across a class boundary on every page) keeps the CPU without reopening WebGPU.
   */
  private readonly cpuWon = new Map<string, string>();
  /** The last plan the CPU served while measuring, to check shadow plans against. */
  private reference: { generation: number; options: ResolvedOptions; poolIndex: number[] } | null = null;
  private shadow: Promise<void> | null = null;
  /** WebGPU opening in the background for `'auto'`. */
  private warming: Promise<void> | null = null;
  /** `'auto'` at creation: WebGPU opens once the first plan was served. */
  private warmAfterPlan = false;
  private decidedAfterMs: number | undefined;
  private disposed = false;
  private readonly started: number;

  constructor(
    mode: BackendMode,
    private readonly backends: Backends,
    /** The engine's state now; shadow plans read it when they start. */
    private readonly current: () => PlanInput,
    private readonly clock: () => number = now,
  ) {
    this.mode = mode;
    this.started = clock();
    this.cpu = backends.cpu();
    this.reason = mode === 'cpu' ? "backend 'cpu' was asked for" : 'WebGPU opens after the first plan; the CPU plans';
  }

  /**
   * Resolves once a plan can be served: at once for `'cpu'` and `'auto'` (WebGPU opens in the
   * background), after WebGPU opened for `'webgpu'`, which rejects WEBGPU_UNAVAILABLE without it.
   */
  async start(): Promise<void> {
    if (this.mode === 'cpu') return;
    if (this.mode === 'auto') {
      this.enterAuto(true);
      return;
    }
    await this.force('webgpu');
  }

  /** The backend serving plans now. */
  get active(): Backend {
    return this.serving === 'webgpu' && this.gpu ? this.gpu : this.cpu;
  }

  /** Plans on the serving backend; while measuring, times it and queues a shadow plan. */
  async plan(input: PlanInput): Promise<{ plan: BackendPlan; backend: BackendKind }> {
    if (this.mode === 'auto' && input.pool.eligibleCount > 0) {
      const workload = workloadOf(input);
      if (workload !== this.workload) this.newRound(workload, input);
    }
    let backend = this.active;
    if (backend.kind === 'webgpu') await this.shadow;
    const start = this.clock();
    let plan: BackendPlan;
    try {
      plan = await backend.plan(input.pool, input.interest, input.last, input.options);
    } catch (e) {
      if (backend.kind === 'cpu' || e instanceof SwiperankError) throw e;
      this.gpuFailed(e as Error);
      backend = this.cpu;
      plan = await backend.plan(input.pool, input.interest, input.last, input.options);
    }
    if (this.state === 'measuring' && backend.kind === 'cpu' && input.pool.eligibleCount > 0) {
      const cpu = this.samples.cpu;
      cpu.push(this.clock() - start);
      // While WebGPU is still opening, only the latest plans count.
      if (cpu.length > 3 * CHOICE_RULE.samples) cpu.shift();
      this.reference = { generation: input.generation, options: input.options, poolIndex: plan.poolIndex };
      this.decide();
      this.startShadows();
    }
    if (this.warmAfterPlan) {
      // On a later task, once this plan is on its way back.
      this.warmAfterPlan = false;
      this.warming = nextTask().then(() => {
        this.warming = null;
        if (!this.disposed && this.mode === 'auto' && !this.gpu) this.warm();
        return this.warming ?? undefined;
      });
    }
    return { plan, backend: backend.kind };
  }

  /** `configure({ backend })`: forcing WebGPU rejects WEBGPU_UNAVAILABLE and changes nothing. */
  async setMode(mode: BackendMode): Promise<void> {
    if (mode === 'auto') {
      this.mode = 'auto';
      this.parityFailure = null;
      this.cpuWon.clear();
      this.enterAuto();
    } else {
      await this.force(mode);
    }
  }

  info(): BackendChoiceInfo {
    const info: BackendChoiceInfo = {
      mode: this.mode,
      state: this.state,
      reason: this.reason,
      p50Ms: {},
      samples: { cpu: this.samples.cpu.length, webgpu: this.samples.webgpu.length },
      poolClass: [...this.range],
    };
    const cpu = median(this.samples.cpu), gpu = median(this.samples.webgpu);
    if (cpu !== undefined) info.p50Ms.cpu = cpu;
    if (gpu !== undefined) info.p50Ms.webgpu = gpu;
    if (this.gpu || this.adapterName) info.adapter = this.gpu?.adapter ?? this.adapterName;
    if (this.readbackFloorMs !== undefined) info.readbackFloorMs = this.readbackFloorMs;
    if (this.decidedAfterMs !== undefined) info.decidedAfterMs = this.decidedAfterMs;
    return info;
  }

  /** Resolves once WebGPU finished opening and no shadow plan is running. */
  async settled(): Promise<void> {
    while (this.warming || this.shadow) await (this.warming ?? this.shadow);
  }

  /** A WebGPU still opening is closed when it arrives; a shadow plan in flight finishes first. */
  async dispose(): Promise<void> {
    this.disposed = true;
    await this.shadow;
    this.gpu?.dispose();
    this.gpu = null;
    this.cpu.dispose();
  }

  private async force(mode: 'cpu' | 'webgpu'): Promise<void> {
    const previous = this.mode;
    this.mode = mode;
    if (mode === 'webgpu' && !(this.gpu ?? await this.openGpu())) {
      this.mode = previous;
      throw new SwiperankError('WEBGPU_UNAVAILABLE', `backend 'webgpu' was asked for, but ${this.fallbackReason}`,
        details({ field: 'options.backend', value: 'webgpu', rule: `needs a WebGPU adapter: ${this.fallbackReason}` }));
    }
    this.released = false;
    await this.settled();
    if (mode === 'cpu') {
      // Forced CPU means no GPU work at all: free the device.
      this.gpu?.dispose();
      this.gpu = null;
      this.fallbackReason = undefined;
    }
    this.decided(mode, `backend '${mode}' was asked for`);
  }

  /** Opens WebGPU once; resolves null (with `fallbackReason`) when it cannot be had. */
  private openGpu(): Promise<Backend | null> {
    this.opening ??= (async () => {
      try {
        const gpu = await this.backends.webgpu();
        if (this.disposed || this.mode === 'cpu') {
          gpu.dispose();
          return null;
        }
        this.gpu = gpu;
        this.fallbackReason = undefined;
        return gpu;
      } catch (e) {
        this.fallbackReason = (e as Error).message;
        return null;
      } finally {
        this.opening = null;
      }
    })();
    return this.opening;
  }

  /**
   * `'auto'`: the CPU serves, and the next plan starts a round. At creation WebGPU opens after
   * the first plan was served: compiling pipelines (on the CPU, with a software adapter) must
   * not slow the feed's first screen.
   */
  private enterAuto(atCreation = false): void {
    this.serving = 'cpu';
    this.workload = null;
    if (this.gpu) return this.measuring('measuring on the next plans');
    if (atCreation) {
      this.measuring('WebGPU opens after the first plan; the CPU plans');
      this.warmAfterPlan = true;
    } else {
      this.measuring('WebGPU is starting; the CPU plans meanwhile');
      this.warm();
    }
  }

  /** Opens WebGPU in the background and measures once it is open. */
  private warm(): void {
    this.released = false;
    this.warmAfterPlan = false;
    this.warming ??= this.openGpu().then(async (gpu) => {
      if (this.mode !== 'auto' || this.disposed) return;
      if (!gpu) return this.decided('cpu', `WebGPU is unavailable: ${this.fallbackReason}`);
      this.adapterName = gpu.adapter;
      // The pool reached a class the CPU had already won while WebGPU was opening.
      if (this.state !== 'measuring') return this.serving === 'cpu' ? this.releaseGpu() : undefined;
      // CPU plans timed while the pipelines compiled (on the CPU, with a software adapter) are not a fair sample.
      this.samples = { cpu: [], webgpu: [] };
      this.reason = 'measuring: the CPU plans while WebGPU runs shadow plans';
      this.decide();
      this.startShadows();
    }).finally(() => {
      this.warming = null;
    });
  }

  private newRound(workload: string, input: PlanInput): void {
    this.workload = workload;
    this.range = poolClass(input.pool.eligibleCount);
    this.samples = { cpu: [], webgpu: [] };
    this.reference = null;
    this.gpuWarm = false;
    this.floorProbed = false;
    this.serving = 'cpu';
    if (this.parityFailure) return this.decided('cpu', this.parityFailure);
    const won = this.cpuWon.get(workload);
    if (won !== undefined) return this.keepCpu(`${won} (measured earlier in this session)`);
    if (this.released) this.warm();
    // `warming` covers the task between the first plan and WebGPU starting to open.
    if (this.opening || this.warming || this.warmAfterPlan) return this.measuring('WebGPU is starting; the CPU plans meanwhile');
    if (!this.gpu) return this.decided('cpu', `WebGPU is unavailable: ${this.fallbackReason}`);
    this.measuring('measuring: the CPU plans while WebGPU runs shadow plans');
  }

  /**
   * The CPU won this pool class: WebGPU's device, pipelines and buffers are released (a feed
   * may run for hours), and opened again when the pool reaches a class the CPU has not won.
   */
  private keepCpu(reason: string): void {
    if (this.workload !== null && !this.cpuWon.has(this.workload)) this.cpuWon.set(this.workload, reason);
    this.decided('cpu', reason);
    this.releaseGpu();
  }

  private releaseGpu(): void {
    const gpu = this.gpu;
    if (!gpu) return;
    this.gpu = null;
    this.released = true;
    void (this.shadow ?? Promise.resolve()).then(() => gpu.dispose());
  }

  private measuring(reason: string): void {
    this.pendingWin = null;
    this.state = 'measuring';
    this.reason = reason;
    this.decidedAfterMs = undefined;
  }

  private decided(kind: BackendKind, reason: string): void {
    this.pendingWin = null;
    this.serving = kind;
    this.state = 'decided';
    this.reason = reason;
    this.decidedAfterMs = this.clock() - this.started;
  }

  /** Decides once both backends have their samples, or as soon as WebGPU cannot win. */
  private decide(): void {
    if (this.mode !== 'auto' || this.state !== 'measuring' || !this.gpu || this.pendingWin) return;
    const { samples, margin } = CHOICE_RULE;
    const cpu = median(this.samples.cpu);
    if (cpu === undefined || this.samples.cpu.length < samples) return;
    const pools = `pools of ${this.range[0]}–${this.range[1]}`;
    const floor = this.readbackFloorMs;
    if (floor !== undefined && floor >= margin * cpu) {
      return this.keepCpu(`WebGPU cannot win on ${pools}: one empty submit and readback takes ${format(floor)}, `
        + `the CPU plans in ${format(cpu)} (p50)`);
    }
    const gpu = median(this.samples.webgpu);
    if (gpu === undefined || this.samples.webgpu.length < samples) return;
    if (gpu < margin * cpu) {
      this.pendingWin = `WebGPU p50 ${format(gpu)} < ${margin} × CPU p50 ${format(cpu)} on ${pools}`;
      this.reason = 'WebGPU measured faster: checking one of its plans against the CPU\'s';
    } else {
      this.keepCpu(`WebGPU p50 ${format(gpu)} is not under ${margin} × CPU p50 ${format(cpu)} on ${pools}`);
    }
  }

  /**
   * Runs WebGPU shadow plans on a later task, so the plan just served is returned first. A plan
   * asked for meanwhile runs on the CPU beside it; the shadow result is only timed and compared.
   */
  private startShadows(): void {
    if (this.shadow || !this.wantsShadow()) return;
    this.shadow = (async () => {
      try {
        await nextTask();
        while (this.wantsShadow()) {
          const gpu = this.gpu!;
          if (this.floorProbed) {
            await this.shadowPlan(gpu);
          } else {
            // Probed once a round, on an idle worker: a floor at or over the CPU's p50 settles it.
            this.floorProbed = true;
            const floor = await gpu.readbackFloorMs?.().catch(() => undefined);
            if (floor !== undefined && gpu === this.gpu) this.readbackFloorMs = Math.min(this.readbackFloorMs ?? Infinity, floor);
            this.decide();
          }
          await nextTask();
        }
      } finally {
        this.shadow = null;
      }
    })();
  }

  private wantsShadow(): boolean {
    if (this.disposed || this.mode !== 'auto' || this.state !== 'measuring' || this.gpu === null
      || this.samples.cpu.length < CHOICE_RULE.samples) return false;
    const input = this.current();
    // The check compares with the CPU's plan of the same state: it waits for the next served plan.
    if (this.pendingWin) return this.reference?.generation === input.generation && this.reference.options === input.options;
    if (this.samples.webgpu.length >= CHOICE_RULE.samples) return false;
    // A pool that moved to another class waits for the next served plan to start a new round.
    return input.pool.eligibleCount > 0 && workloadOf(input) === this.workload;
  }

  /**
   * One shadow run on the current state: timed and not read while measuring, or, once WebGPU
   * measured faster, one plan read back and compared with the CPU's before WebGPU serves.
   */
  private async shadowPlan(gpu: Backend): Promise<void> {
    const input = this.current();
    const check = this.pendingWin !== null || !gpu.runUnread;
    const start = this.clock();
    const run = async (): Promise<BackendPlan | null> => {
      if (check) return gpu.plan(input.pool, input.interest, input.last, input.options);
      await gpu.runUnread!(input.pool, input.interest, input.last, input.options);
      return null;
    };
    let plan: BackendPlan | null;
    try {
      plan = await run();
    } catch (e) {
      if (!this.disposed && gpu === this.gpu) this.gpuFailed(e as Error);
      return;
    }
    const elapsed = this.clock() - start;
    if (this.disposed || gpu !== this.gpu || this.state !== 'measuring') return;
    if (this.pendingWin === null) {
      if (this.gpuWarm) this.samples.webgpu.push(elapsed);
      this.gpuWarm = true;
    }
    const ref = this.reference;
    // Compared only where both planned the same state, unchanged while the shadow ran.
    if (!plan || !ref || ref.generation !== input.generation || ref.options !== input.options
      || this.current().generation !== input.generation) return this.decide();
    if (!sameIds(ref.poolIndex, plan.poolIndex)) {
      const ids = (xs: number[]) => `[${xs.map((i) => input.pool.ids[i]).join(', ')}]`;
      this.parityFailure = `parity: a WebGPU shadow plan chose ${ids(plan.poolIndex)} where the CPU chose `
        + `${ids(ref.poolIndex)}; the CPU keeps planning`;
      return this.keepCpu(this.parityFailure);
    }
    if (this.pendingWin) return this.decided('webgpu', this.pendingWin);
    this.decide();
  }

  /** WebGPU failed for good (after its own device-loss rebuild): the CPU takes over. */
  private gpuFailed(e: Error): void {
    this.fallbackReason = `WebGPU backend failed: ${e.message}`;
    this.gpu?.dispose();
    this.gpu = null;
    this.decided('cpu', this.fallbackReason);
  }
}

function sameIds(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}
