import type { BackendPlan } from '../backend.js';
import type { LastShown } from '../model/lookahead.js';
import type { CandidatePool } from '../model/pool.js';
import type { PlanOptions } from '../types.js';
import { GpuDevice } from './device.js';
import { createKernels, type Kernel } from './kernels.js';
import { elementBytes } from './layout.js';
import { Packer } from './packer.js';
import { BUFFER_SPECS, PASS, PLAN_OUT, type BufferName, type BufferShape } from './resources.js';
import { buildSchedule, SHADER_CONSTANTS, type KernelName, type Schedule } from './schedule.js';

/** Readback layout: two GPU timestamps, then the `PlanOut`. */
const STAMP_BYTES = 2 * BigUint64Array.BYTES_PER_ELEMENT;
const READ_BYTES = STAMP_BYTES + PLAN_OUT.bytes;
/** Stage 1's histograms (fine, then coarse), cleared at the start of each plan. */
const HISTOGRAM_WORDS = SHADER_CONSTANTS.HISTOGRAM_BINS + SHADER_CONSTANTS.COARSE_BINS;
const HISTOGRAM_BYTES = HISTOGRAM_WORDS * Uint32Array.BYTES_PER_ELEMENT;

/** The GPU traffic of one plan, for `GpuStats`. */
export interface PlanTraffic {
  dispatches: number;
  submits: number;
  readbacks: number;
  bytesUploaded: number;
  bytesReadBack: number;
}

const USAGE = {
  input: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_DST,
  uniform: GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST,
  storage: GPUBufferUsage.STORAGE,
  cleared: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_DST,
  output: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC,
} as const;

/**
 * Runs plans on one device: sizes the buffers from resources.ts, uploads what changed,
 * encodes the schedule in one compute pass, submits once and reads the plan back once.
 */
export class GpuPlanner {
  private readonly bindGroups = new Map<string, GPUBindGroup>();
  private bindGeneration = -1;
  private readonly passStride: number;
  private readonly packer = new Packer();
  private schedule: Schedule | null = null;
  private scheduleKey = '';
  private passTableKey = '';
  private uploadedPool: CandidatePool | null = null;
  private uploadedVersion = -1;
  private uploadedShownVersion = -1;

  private constructor(private readonly gpu: GpuDevice, private readonly kernels: Record<KernelName, Kernel>) {
    this.passStride = Math.max(PASS.bytes, gpu.device.limits.minUniformBufferOffsetAlignment);
  }

  /** Opens a device and builds the pipelines; throws with the reason if any step fails. */
  static async open(onLost: (info: GPUDeviceLostInfo) => void): Promise<GpuPlanner> {
    const gpu = await GpuDevice.open(onLost);
    try {
      return new GpuPlanner(gpu, await createKernels(gpu.device));
    } catch (e) {
      gpu.destroy();
      throw e;
    }
  }

  get description(): string {
    return this.gpu.description;
  }

  get isFallbackAdapter(): boolean {
    return this.gpu.isFallbackAdapter;
  }

  get device(): GPUDevice {
    return this.gpu.device;
  }

  /** Set when the device was lost other than by `destroy()`. */
  get lost(): GPUDeviceLostInfo | null {
    return this.gpu.lost;
  }

  confirmLoss(waitMs?: number): Promise<boolean> {
    return this.gpu.confirmLoss(waitMs);
  }

  get bufferCount(): number {
    return this.gpu.buffers.count;
  }

  get bufferBytes(): number {
    return this.gpu.buffers.bytes;
  }

  destroy(): void {
    this.gpu.destroy();
  }

  /**
   * One plan: a batch of writes, one submit, one readback. Candidate columns are uploaded
   * only when the pool changed since the last plan, the shown mask when it changed.
   */
  async plan(
    pool: CandidatePool, u: Float64Array, last: LastShown | null, options: PlanOptions,
  ): Promise<{ plan: BackendPlan; traffic: PlanTraffic }> {
    const run = await this.run(pool, u, last, options);
    if ('plan' in run) return run;
    const { readback, wallMs, traffic } = run;
    const bytes = readback.getMappedRange(0, READ_BYTES).slice(0);
    readback.unmap();
    this.gpu.checkAlive();

    const plan = this.packer.readPlan(bytes, STAMP_BYTES);
    if (this.gpu.querySet) {
      const [begin, end] = new BigUint64Array(bytes, 0, 2);
      const ns = Number(end! - begin!);
      if (ns > 0) plan.gpuMs = ns / 1e6;
    }
    // Without timestamps (no 'timestamp-query', or zeros written), the GPU time is submit to readback.
    plan.gpuMs ??= wallMs;
    return { plan, traffic };
  }

  /**
   * One plan run to completion (the readback buffer mapped) but not read: `'auto'` times
   * WebGPU this way. In Chromium, reading a mapped range leaves the calling thread's
   * typed-array code about 10% slower for good (measured in a worker: CPU plans 1.11-1.12x
   * after one `getMappedRange()`, 1.00x after `mapAsync` alone), and that thread is the
   * CPU engine's. Resolves with the traffic.
   */
  async runUnread(
    pool: CandidatePool, u: Float64Array, last: LastShown | null, options: PlanOptions,
  ): Promise<PlanTraffic> {
    const run = await this.run(pool, u, last, options);
    if ('plan' in run) return run.traffic;
    run.readback.unmap();
    this.gpu.checkAlive();
    return run.traffic;
  }

  /** Uploads, encodes, submits and waits until the readback buffer is mapped (or there is nothing to plan). */
  private async run(
    pool: CandidatePool, u: Float64Array, last: LastShown | null, options: PlanOptions,
  ): Promise<{ plan: BackendPlan; traffic: PlanTraffic } | { readback: GPUBuffer; wallMs: number; traffic: PlanTraffic }> {
    const { lookahead, fusion } = options;
    const shortlist = Math.min(lookahead.shortlist, pool.eligibleCount);
    if (shortlist === 0) {
      // Nothing to plan: no GPU work, the CPU planner's answer for an empty shortlist.
      const value = lookahead.tail;
      return {
        plan: { poolIndex: [], score: [], reward: [], continueProb: [], reach: [], value },
        traffic: { dispatches: 0, submits: 0, readbacks: 0, bytesUploaded: 0, bytesReadBack: 0 },
      };
    }
    this.gpu.checkAlive();
    const depth = Math.min(lookahead.depth, shortlist);
    const beamWidth = lookahead.beamWidth;
    const rank = fusion.kind === 'rank';
    const key = `${pool.size}/${shortlist}/${depth}/${beamWidth}/${rank}`;
    if (key !== this.scheduleKey) {
      this.schedule = buildSchedule({ size: pool.size, shortlist, depth, beamWidth, rank });
      this.scheduleKey = key;
    }
    const schedule = this.schedule!;
    const { device } = this.gpu;
    const shape: BufferShape = {
      size: pool.size, dim4: Math.ceil(pool.dim / 4), shortlist, depth, beamWidth, rank,
      sortEntries: schedule.sortEntries, digitWords: schedule.digitWords,
      passes: schedule.passes.length, passStride: this.passStride, histogramBins: HISTOGRAM_WORDS,
    };

    device.pushErrorScope('out-of-memory');
    device.pushErrorScope('validation');
    let bytesUploaded: number, dispatches: number;
    try {
      bytesUploaded = this.upload(pool, u, last, options, schedule, shape, key);
      dispatches = this.encode(schedule);
    } catch (e) {
      void device.popErrorScope();
      void device.popErrorScope();
      throw e;
    }
    const submitted = performance.now();
    const validation = device.popErrorScope();
    const memory = device.popErrorScope();
    const readback = this.gpu.buffers.get('readback');
    await this.gpu.untilMapped(readback.mapAsync(GPUMapMode.READ, 0, READ_BYTES));
    const wallMs = performance.now() - submitted;
    const errors = (await Promise.all([validation, memory])).filter((e) => e !== null);
    const uncaptured = this.gpu.takeUncaptured();
    if (errors.length > 0 || uncaptured !== null) {
      readback.unmap();
      throw new Error(`WebGPU error during a plan: ${errors.map((e) => e.message).join('; ') || uncaptured}`);
    }
    // One encode() submits once and this plan maps once; the tests count the real calls.
    return {
      readback, wallMs,
      traffic: { dispatches, submits: 1, readbacks: 1, bytesUploaded, bytesReadBack: READ_BYTES },
    };
  }

  /** Sizes every buffer for this plan and writes what changed; returns the bytes written. */
  private upload(
    pool: CandidatePool, u: Float64Array, last: LastShown | null, options: PlanOptions,
    schedule: Schedule, shape: BufferShape, key: string,
  ): number {
    const { buffers, maxBufferBytes, device } = this.gpu;
    const ensure = (name: string, bytes: number, usage: number) => {
      if (bytes > maxBufferBytes) {
        throw new Error(`GPU buffer ${name} would need ${bytes} bytes; this device allows ${maxBufferBytes}`);
      }
      return buffers.ensure(name, bytes, usage);
    };
    const fresh = {} as Record<BufferName, boolean>;
    for (const [name, spec] of Object.entries(BUFFER_SPECS) as [BufferName, (typeof BUFFER_SPECS)[BufferName]][]) {
      fresh[name] = ensure(name, spec.length(shape) * elementBytes(spec.element), USAGE[spec.usage]).fresh;
    }
    ensure('readback', READ_BYTES, GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST);
    if (this.gpu.querySet) ensure('timestamps', STAMP_BYTES, GPUBufferUsage.QUERY_RESOLVE | GPUBufferUsage.COPY_SRC);

    let bytes = 0;
    const write = (name: BufferName, data: Float32Array<ArrayBuffer> | Uint32Array<ArrayBuffer>, bytesToWrite: number) => {
      if (bytesToWrite === 0) return;
      device.queue.writeBuffer(buffers.get(name), 0, data.buffer, data.byteOffset, bytesToWrite);
      bytes += bytesToWrite;
    };
    const sized = (name: BufferName) => BUFFER_SPECS[name].length(shape) * elementBytes(BUFFER_SPECS[name].element);
    const newPool = this.uploadedPool !== pool || fresh.slots || fresh.embedding || fresh.shown;
    if (newPool || this.uploadedVersion !== pool.version) {
      write('slots', this.packer.slots(pool), sized('slots'));
      write('embedding', this.packer.embeddingRows(pool), sized('embedding'));
      this.uploadedVersion = pool.version;
      this.uploadedShownVersion = -1;
    }
    if (newPool || this.uploadedShownVersion !== pool.shownVersion) {
      write('shown', this.packer.shownBits(pool), sized('shown'));
      this.uploadedShownVersion = pool.shownVersion;
    }
    this.uploadedPool = pool;
    if (fresh.passes || this.passTableKey !== key) {
      write('passes', this.packer.passTable(schedule, this.passStride), sized('passes'));
      this.passTableKey = key;
    }
    write('vectors', this.packer.interest(u, last, pool.dim), sized('vectors'));
    write('plan', this.packer.planParams(pool, options, shape.shortlist, shape.depth, last), sized('plan'));
    return bytes;
  }

  /** Every dispatch in one compute pass, the plan copied for readback, one submit; returns the dispatches encoded. */
  private encode(schedule: Schedule): number {
    const { buffers, querySet, device } = this.gpu;
    let dispatches = 0;
    const encoder = device.createCommandEncoder({ label: 'swiperank.plan' });
    encoder.clearBuffer(buffers.get('selectScratch'), 0, HISTOGRAM_BYTES);
    const pass = encoder.beginComputePass({
      label: 'swiperank.plan',
      ...(querySet && { timestampWrites: { querySet, beginningOfPassWriteIndex: 0, endOfPassWriteIndex: 1 } }),
    });
    for (const d of schedule.dispatches) {
      pass.setPipeline(this.kernels[d.kernel].pipeline);
      pass.setBindGroup(0, this.bindGroup(d.kernel, d.rebind), d.pass === undefined ? [] : [d.pass * this.passStride]);
      pass.dispatchWorkgroups(d.x, d.y);
      dispatches++;
    }
    pass.end();
    const readback = buffers.get('readback');
    if (querySet) {
      const stamps = buffers.get('timestamps');
      encoder.resolveQuerySet(querySet, 0, 2, stamps, 0);
      encoder.copyBufferToBuffer(stamps, 0, readback, 0, STAMP_BYTES);
    }
    encoder.copyBufferToBuffer(buffers.get('planOut'), 0, readback, STAMP_BYTES, PLAN_OUT.bytes);
    device.queue.submit([encoder.finish()]);
    return dispatches;
  }

  private bindGroup(kernel: KernelName, rebind: Readonly<Record<string, BufferName>> | undefined): GPUBindGroup {
    const { buffers } = this.gpu;
    if (this.bindGeneration !== buffers.generation) {
      this.bindGroups.clear();
      this.bindGeneration = buffers.generation;
    }
    const key = rebind ? `${kernel}:${Object.entries(rebind).join(',')}` : kernel;
    let group = this.bindGroups.get(key);
    if (!group) {
      const { bindings, layout } = this.kernels[kernel];
      group = this.gpu.device.createBindGroup({
        label: `swiperank.${key}`,
        layout,
        entries: bindings.map(({ binding, name, access, buffer }) => ({
          binding,
          resource: {
            buffer: buffers.get(rebind?.[name] ?? buffer),
            ...(access === 'pass' && { size: PASS.bytes }),
          },
        })),
      });
      this.bindGroups.set(key, group);
    }
    return group;
  }
}
