import type { BackendPlan } from '../backend.js';
import type { LastShown } from '../model/lookahead.js';
import { clampedLogit } from '../model/personalize.js';
import type { CandidatePool } from '../model/pool.js';
import type { PlanOptions } from '../types.js';
import { GpuBuffers } from './buffers.js';
import { createKernels, type Kernel } from './kernels.js';
import {
  buildSchedule, MAX_DEPTH, PASS_BYTES, PASS_FIELDS, SHADER_CONSTANTS, type BufferName, type KernelName, type Schedule,
} from './schedule.js';

/** Words of `struct PlanParams` (shaders/common.wgsl). */
const PARAM_WORDS = 32;
/** Words of the plan written for readback: count, value, then 5 per planned item. */
const OUT_WORDS = 2 + 5 * MAX_DEPTH;
/** Readback layout: two GPU timestamps, then the plan. */
const STAMP_BYTES = 16;
const SLOT_WORDS = 8;
const SLOT_BYTES = SLOT_WORDS * 4;
const FUSION_KINDS = {
  moc: SHADER_CONSTANTS.FUSION_MOC,
  'weighted-sum': SHADER_CONSTANTS.FUSION_WEIGHTED_SUM,
  product: SHADER_CONSTANTS.FUSION_PRODUCT,
  rank: SHADER_CONSTANTS.FUSION_RANK,
} as const;

function lostError(info: GPUDeviceLostInfo): Error {
  return new Error(`the WebGPU device was lost (${info.reason}${info.message ? `: ${info.message}` : ''})`);
}

/** The GPU traffic of one plan, for `GpuStats`. */
export interface PlanTraffic {
  dispatches: number;
  submits: number;
  readbacks: number;
  bytesUploaded: number;
  bytesReadBack: number;
}

/**
 * Everything bound to one GPUDevice: pipelines, buffers, bind groups and what was last
 * uploaded. The backend replaces the whole object when the device is lost.
 */
export class GpuPlanner {
  /** Set when the device was lost other than by `destroy()`. */
  lost: GPUDeviceLostInfo | null = null;
  private destroying = false;
  /** Rejects the plan waiting on a readback when the device is lost. */
  private abortPending: ((e: Error) => void) | null = null;
  private uncaptured: string | null = null;
  private readonly buffers: GpuBuffers;
  private readonly bindGroups = new Map<string, GPUBindGroup>();
  private bindGeneration = -1;
  private readonly passStride: number;
  private readonly maxBufferBytes: number;
  private readonly querySet: GPUQuerySet | null;
  private schedule: Schedule | null = null;
  private scheduleKey = '';
  private passTableKey = '';
  private uploadedPool: CandidatePool | null = null;
  private uploadedVersion = -1;
  private uploadedShownVersion = -1;
  private slotStaging = new ArrayBuffer(0);
  private embeddingStaging = new Float32Array(0);
  private shownStaging = new Uint32Array(0);
  private vectorStaging = new Float32Array(0);
  private readonly params = new ArrayBuffer(PARAM_WORDS * 4);

  private constructor(
    readonly device: GPUDevice,
    /** Adapter description for `info()`. */
    readonly description: string,
    private readonly kernels: Record<KernelName, Kernel>,
    onLost: (info: GPUDeviceLostInfo) => void,
  ) {
    this.buffers = new GpuBuffers(device);
    this.passStride = Math.max(PASS_BYTES, device.limits.minUniformBufferOffsetAlignment);
    this.maxBufferBytes = Math.min(device.limits.maxBufferSize, device.limits.maxStorageBufferBindingSize);
    this.querySet = device.features.has('timestamp-query')
      ? device.createQuerySet({ label: 'swiperank.timestamps', type: 'timestamp', count: 2 })
      : null;
    void device.lost.then((info) => {
      if (this.destroying) return;
      this.lost = info;
      this.abortPending?.(lostError(info));
      onLost(info);
    });
    device.addEventListener('uncapturederror', (event) => {
      this.uncaptured ??= (event as GPUUncapturedErrorEvent).error.message;
    });
  }

  /** Requests an adapter and a device and builds the pipelines; throws with the reason if any step fails. */
  static async open(onLost: (info: GPUDeviceLostInfo) => void): Promise<GpuPlanner> {
    const gpu = (globalThis as { navigator?: { gpu?: GPU } }).navigator?.gpu;
    if (!gpu) throw new Error('navigator.gpu is missing: WebGPU is not available in this context');
    const adapter = await gpu.requestAdapter();
    if (!adapter) throw new Error('no WebGPU adapter is available');
    const requiredFeatures: GPUFeatureName[] = adapter.features.has('timestamp-query') ? ['timestamp-query'] : [];
    // Large pools with wide embeddings pass the 128 MiB default binding size.
    const requiredLimits = {
      maxStorageBufferBindingSize: adapter.limits.maxStorageBufferBindingSize,
      maxBufferSize: adapter.limits.maxBufferSize,
    };
    const device = await adapter.requestDevice({ label: 'swiperank', requiredFeatures, requiredLimits });
    const info = adapter.info;
    const description = [info.vendor, info.architecture, info.description].filter((s) => s).join(' ') || 'unknown adapter';
    try {
      return new GpuPlanner(device, description, await createKernels(device), onLost);
    } catch (e) {
      device.destroy();
      throw e;
    }
  }

  /** Resolves true once the device is known lost, false if it stays up for `waitMs`. */
  async confirmLoss(waitMs = 300): Promise<boolean> {
    if (this.lost) return true;
    let timer: ReturnType<typeof setTimeout> | undefined;
    await Promise.race([
      this.device.lost,
      new Promise((resolve) => { timer = setTimeout(resolve, waitMs); }),
    ]);
    clearTimeout(timer);
    return this.lost !== null;
  }

  get bufferCount(): number {
    return this.buffers.count;
  }

  get bufferBytes(): number {
    return this.buffers.bytes;
  }

  destroy(): void {
    this.destroying = true;
    this.buffers.destroy();
    this.querySet?.destroy();
    this.device.destroy();
  }

  /**
   * One plan: a batch of writes, one submit, one readback. Candidate columns are uploaded
   * only when the pool changed since the last plan, the shown mask when it changed.
   */
  async plan(
    pool: CandidatePool, u: Float64Array, last: LastShown | null, options: PlanOptions,
  ): Promise<{ plan: BackendPlan; traffic: PlanTraffic }> {
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
    if (this.lost) throw lostError(this.lost);
    const depth = Math.min(lookahead.depth, shortlist);
    const beamWidth = lookahead.beamWidth;
    const rank = fusion.kind === 'rank';
    const key = `${pool.size}/${shortlist}/${depth}/${beamWidth}/${rank}`;
    if (key !== this.scheduleKey) {
      this.schedule = buildSchedule({ size: pool.size, shortlist, depth, beamWidth, rank });
      this.scheduleKey = key;
    }
    const schedule = this.schedule!;
    const { device } = this;

    device.pushErrorScope('out-of-memory');
    device.pushErrorScope('validation');
    let bytesUploaded: number, dispatches: number;
    try {
      bytesUploaded = this.upload(pool, u, last, options, schedule, key, shortlist, depth);
      dispatches = this.encode(schedule);
    } catch (e) {
      void device.popErrorScope();
      void device.popErrorScope();
      throw e;
    }
    const submitted = performance.now();
    const validation = device.popErrorScope();
    const memory = device.popErrorScope();
    const readback = this.buffers.get('readback');
    const readBytes = STAMP_BYTES + OUT_WORDS * 4;
    // A lost device need not settle a pending map; the loss handler rejects this instead.
    const aborted = new Promise<never>((_, reject) => { this.abortPending = reject; });
    try {
      await Promise.race([readback.mapAsync(GPUMapMode.READ, 0, readBytes), aborted]);
    } finally {
      this.abortPending = null;
    }
    const wallMs = performance.now() - submitted;
    const errors = (await Promise.all([validation, memory])).filter((e) => e !== null);
    if (errors.length > 0 || this.uncaptured !== null) {
      readback.unmap();
      const message = errors.map((e) => e.message).join('; ') || this.uncaptured;
      // Reported once: a stray error must not fail every later plan too.
      this.uncaptured = null;
      throw new Error(`WebGPU error during a plan: ${message}`);
    }
    const bytes = readback.getMappedRange(0, readBytes).slice(0);
    readback.unmap();
    if (this.lost) throw lostError(this.lost);

    const plan = this.readPlan(bytes);
    if (this.querySet) {
      const [begin, end] = new BigUint64Array(bytes, 0, 2);
      const ns = Number(end! - begin!);
      if (ns > 0) plan.gpuMs = ns / 1e6;
    }
    // Without timestamps (SwiftShader writes zeros), the GPU time is submit to readback.
    plan.gpuMs ??= wallMs;
    // One encode() submits once and this plan maps once; the tests count the real calls.
    return {
      plan,
      traffic: { dispatches, submits: 1, readbacks: 1, bytesUploaded, bytesReadBack: readBytes },
    };
  }

  /** Sizes every buffer for this plan and writes what changed; returns the bytes written. */
  private upload(
    pool: CandidatePool, u: Float64Array, last: LastShown | null, options: PlanOptions,
    schedule: Schedule, key: string, shortlist: number, depth: number,
  ): number {
    const { device } = this;
    const { size } = pool;
    const dim4 = Math.ceil(pool.dim / 4);
    const rank = options.fusion.kind === 'rank';
    const beamWidth = options.lookahead.beamWidth;
    const { STORAGE, COPY_DST, COPY_SRC, UNIFORM, MAP_READ, QUERY_RESOLVE } = GPUBufferUsage;
    const ensure = (name: string, bytes: number, usage: number) => {
      if (bytes > this.maxBufferBytes) {
        throw new Error(`GPU buffer ${name} would need ${bytes} bytes; this device allows ${this.maxBufferBytes}`);
      }
      return this.buffers.ensure(name, bytes, usage);
    };
    const input = STORAGE | COPY_DST;
    const stale = [
      ensure('slots', size * SLOT_BYTES, input).fresh,
      ensure('embedding', size * dim4 * 16, input).fresh,
      ensure('shown', Math.ceil(size / 32) * 4, input).fresh,
    ];
    ensure('plan', PARAM_WORDS * 4, UNIFORM | COPY_DST);
    const passTableFresh = ensure('passes', schedule.passes.length * this.passStride, UNIFORM | COPY_DST).fresh;
    ensure('vectors', 2 * dim4 * 16, input);
    ensure('fused', size * 16, STORAGE);
    ensure('stageKeys', size * 8, STORAGE);
    ensure('rankKeys', rank ? 3 * size * 8 : 0, STORAGE);
    ensure('ranks', rank ? 3 * size * 4 : 0, STORAGE);
    ensure('sortScratch', schedule.sortEntries * 8, STORAGE);
    ensure('digitCounts', schedule.digitWords * 4, STORAGE);
    ensure('shortlist', shortlist * 32, STORAGE);
    ensure('shortEmbedding', shortlist * dim4 * 16, STORAGE);
    ensure('scalars', 16, STORAGE);
    ensure('beams', (depth + 1) * beamWidth * 32, STORAGE);
    ensure('beamTop', beamWidth * beamWidth * 8, STORAGE);
    ensure('continuation', beamWidth * shortlist * 4, STORAGE);
    ensure('candidates', beamWidth * shortlist * 8, STORAGE);
    const maskWords = 2 * beamWidth * Math.ceil(shortlist / 32);
    ensure('rowCache', (shortlist * shortlist + 1 + beamWidth + shortlist + maskWords) * 4, STORAGE);
    ensure('planOut', OUT_WORDS * 4, STORAGE | COPY_SRC);
    ensure('readback', STAMP_BYTES + OUT_WORDS * 4, MAP_READ | COPY_DST);
    if (this.querySet) ensure('timestamps', STAMP_BYTES, QUERY_RESOLVE | COPY_SRC);

    let bytes = 0;
    const write = (name: BufferName, data: Float32Array<ArrayBuffer> | Uint32Array<ArrayBuffer>, elements: number) => {
      if (elements === 0) return;
      device.queue.writeBuffer(this.buffers.get(name), 0, data, 0, elements);
      bytes += elements * 4;
    };
    const newPool = this.uploadedPool !== pool || stale.some((s) => s);
    if (newPool || this.uploadedVersion !== pool.version) {
      write('slots', this.stageSlots(pool), size * SLOT_WORDS);
      write('embedding', this.stageEmbedding(pool), size * dim4 * 4);
      this.uploadedVersion = pool.version;
      this.uploadedShownVersion = -1;
    }
    if (newPool || this.uploadedShownVersion !== pool.shownVersion) {
      write('shown', this.stageShown(pool), Math.ceil(size / 32));
      this.uploadedShownVersion = pool.shownVersion;
    }
    this.uploadedPool = pool;
    if (passTableFresh || this.passTableKey !== key) {
      const table = this.passTable(schedule);
      write('passes', table, table.length);
      this.passTableKey = key;
    }
    write('vectors', this.stageVectors(u, last, pool.dim), 2 * dim4 * 4);
    write('plan', this.stageParams(pool, options, shortlist, depth, last), PARAM_WORDS);
    return bytes;
  }

  /** Every dispatch in one compute pass, the plan copied for readback, one submit; returns the dispatches encoded. */
  private encode(schedule: Schedule): number {
    let dispatches = 0;
    const encoder = this.device.createCommandEncoder({ label: 'swiperank.plan' });
    const pass = encoder.beginComputePass({
      label: 'swiperank.plan',
      ...(this.querySet && {
        timestampWrites: { querySet: this.querySet, beginningOfPassWriteIndex: 0, endOfPassWriteIndex: 1 },
      }),
    });
    for (const d of schedule.dispatches) {
      pass.setPipeline(this.kernels[d.kernel].pipeline);
      pass.setBindGroup(0, this.bindGroup(d.kernel, d.rebind), d.pass === undefined ? [] : [d.pass * this.passStride]);
      pass.dispatchWorkgroups(d.x, d.y);
      dispatches++;
    }
    pass.end();
    const readback = this.buffers.get('readback');
    if (this.querySet) {
      const stamps = this.buffers.get('timestamps');
      encoder.resolveQuerySet(this.querySet, 0, 2, stamps, 0);
      encoder.copyBufferToBuffer(stamps, 0, readback, 0, STAMP_BYTES);
    }
    encoder.copyBufferToBuffer(this.buffers.get('planOut'), 0, readback, STAMP_BYTES, OUT_WORDS * 4);
    this.device.queue.submit([encoder.finish()]);
    return dispatches;
  }

  private readPlan(bytes: ArrayBuffer): BackendPlan {
    const words = new Uint32Array(bytes, STAMP_BYTES, OUT_WORDS);
    const floats = new Float32Array(bytes, STAMP_BYTES, OUT_WORDS);
    const count = words[0]!;
    const plan: BackendPlan = { poolIndex: [], score: [], reward: [], continueProb: [], reach: [], value: floats[1]! };
    for (let t = 0; t < count; t++) {
      const at = 2 + 5 * t;
      plan.poolIndex.push(words[at]!);
      plan.score.push(floats[at + 1]!);
      plan.reward.push(floats[at + 2]!);
      plan.continueProb.push(floats[at + 3]!);
      plan.reach.push(floats[at + 4]!);
    }
    return plan;
  }

  private bindGroup(kernel: KernelName, rebind: Readonly<Record<number, BufferName>> | undefined): GPUBindGroup {
    if (this.bindGeneration !== this.buffers.generation) {
      this.bindGroups.clear();
      this.bindGeneration = this.buffers.generation;
    }
    const key = rebind ? `${kernel}:${Object.entries(rebind).join(',')}` : kernel;
    let group = this.bindGroups.get(key);
    if (!group) {
      const { spec, layout } = this.kernels[kernel];
      group = this.device.createBindGroup({
        label: `swiperank.${key}`,
        layout,
        entries: spec.bindings.map(([binding, type, name]) => ({
          binding,
          resource: {
            buffer: this.buffers.get(rebind?.[binding] ?? name),
            ...(type === 'pass' && { size: PASS_BYTES }),
          },
        })),
      });
      this.bindGroups.set(key, group);
    }
    return group;
  }

  /** Candidate columns as `struct Slot` (shaders/common.wgsl), f64 narrowed to f32. */
  private stageSlots(pool: CandidatePool): Uint32Array<ArrayBuffer> {
    const words = pool.size * SLOT_WORDS;
    if (this.slotStaging.byteLength < words * 4) this.slotStaging = new ArrayBuffer(Math.max(words * 4, this.slotStaging.byteLength * 2));
    const f = new Float32Array(this.slotStaging, 0, words);
    const w = new Uint32Array(this.slotStaging, 0, words);
    for (let i = 0, o = 0; i < pool.size; i++, o += SLOT_WORDS) {
      f[o] = pool.pCvr[i]!;
      f[o + 1] = pool.pVtr[i]!;
      f[o + 2] = pool.pSdr[i]!;
      f[o + 3] = pool.value[i]!;
      f[o + 4] = clampedLogit(pool.pCvr[i]!);
      f[o + 5] = clampedLogit(pool.pVtr[i]!);
      w[o + 6] = pool.category[i]!;
      w[o + 7] = pool.hasCategory[i]!;
    }
    return w;
  }

  /** Rows zero-padded to whole vec4s, so the shaders take dot products four lanes at a time. */
  private stageEmbedding(pool: CandidatePool): Float32Array<ArrayBuffer> {
    const dim = pool.dim;
    const padded = Math.ceil(dim / 4) * 4;
    const n = pool.size * padded;
    if (this.embeddingStaging.length < n) this.embeddingStaging = new Float32Array(Math.max(n, this.embeddingStaging.length * 2));
    const out = this.embeddingStaging;
    if (padded === dim) {
      out.set(pool.embedding.subarray(0, n));
    } else {
      for (let i = 0; i < pool.size; i++) {
        out.set(pool.embedding.subarray(i * dim, (i + 1) * dim), i * padded);
        out.fill(0, i * padded + dim, (i + 1) * padded);
      }
    }
    return out;
  }

  private stageShown(pool: CandidatePool): Uint32Array<ArrayBuffer> {
    const n = Math.ceil(pool.size / 32);
    if (this.shownStaging.length < n) this.shownStaging = new Uint32Array(Math.max(n, this.shownStaging.length * 2));
    this.shownStaging.fill(0, 0, n);
    for (let i = 0; i < pool.size; i++) if (pool.shown[i]) this.shownStaging[i >> 5]! |= 1 << (i & 31);
    return this.shownStaging;
  }

  /** u, then the last shown item's embedding (zeros when there is none), each padded to whole vec4s. */
  private stageVectors(u: Float64Array, last: LastShown | null, dim: number): Float32Array<ArrayBuffer> {
    const padded = Math.ceil(dim / 4) * 4;
    if (this.vectorStaging.length < 2 * padded) this.vectorStaging = new Float32Array(2 * padded);
    const v = this.vectorStaging;
    v.fill(0, 0, 2 * padded);
    v.set(u.subarray(0, dim));
    if (last) v.set(last.embedding.subarray(0, dim), padded);
    return v;
  }

  private passTable(schedule: Schedule): Uint32Array<ArrayBuffer> {
    const stride = this.passStride / 4;
    const table = new Uint32Array(schedule.passes.length * stride);
    schedule.passes.forEach((p, n) => PASS_FIELDS.forEach((field, i) => { table[n * stride + i] = p[field]; }));
    return table;
  }

  /** `struct PlanParams` (shaders/common.wgsl), word for word. */
  private stageParams(
    pool: CandidatePool, options: PlanOptions, shortlist: number, depth: number, last: LastShown | null,
  ): Uint32Array<ArrayBuffer> {
    const u32 = new Uint32Array(this.params);
    const f32 = new Float32Array(this.params);
    const { fusion, lookahead, personalization } = options;
    u32[0] = pool.size;
    u32[1] = pool.eligibleCount;
    u32[2] = pool.dim;
    u32[3] = Math.ceil(pool.dim / 4);
    u32[4] = FUSION_KINDS[fusion.kind];
    u32[5] = personalization === false ? 0 : 1;
    f32[6] = personalization === false ? 0 : personalization.strength;
    f32[7] = fusion.wCvr;
    f32[8] = fusion.wView;
    f32[9] = fusion.kind === 'moc' ? fusion.wSwipe : 0;
    f32[10] = fusion.gamma;
    if (fusion.kind !== 'moc') {
      f32.set([fusion.weights.cvr, fusion.weights.vtr, fusion.weights.sdr,
        fusion.alpha.cvr, fusion.alpha.vtr, fusion.alpha.sdr,
        fusion.beta.cvr, fusion.beta.vtr, fusion.beta.sdr], 11);
    } else {
      f32.fill(0, 11, 20);
    }
    u32[20] = shortlist;
    u32[21] = lookahead.beamWidth;
    u32[22] = depth;
    // The engine resolved 'auto' to the session value T: the shader's own mean is not used.
    u32[23] = 0;
    f32[24] = lookahead.tail;
    f32[25] = lookahead.rho;
    f32[26] = lookahead.phi;
    u32[27] = last ? 1 : 0;
    u32[28] = last ? last.category : 0;
    u32[29] = last?.hasCategory ? 1 : 0;
    return u32;
  }
}
