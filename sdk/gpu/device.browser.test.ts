import { afterEach, describe, expect, it } from 'vitest';
import { createReranker, type Reranker } from '../index.js';
import { CpuPlanner } from '../model/planner.js';
import { resolveOptions } from '../options.js';
import { requireAdapter } from '../testing/gpu.js';
import { lane } from '../testing/lane.js';
import { randomRows, seededRandom } from '../testing/instances.js';
import { poolOf } from '../testing/pool.js';
import { createWebGpuBackend } from './backend.js';

/** Records every device the code under test requests, so a test can destroy it. */
function trackDevices(): { devices: GPUDevice[]; restore: () => void } {
  const original = GPUAdapter.prototype.requestDevice;
  const devices: GPUDevice[] = [];
  GPUAdapter.prototype.requestDevice = async function (this: GPUAdapter, descriptor?: GPUDeviceDescriptor) {
    const device = await original.call(this, descriptor);
    devices.push(device);
    return device;
  };
  return { devices, restore: () => { GPUAdapter.prototype.requestDevice = original; } };
}

/** Destroys `device()` right after the next queue submit: a loss in the middle of a plan. */
function loseDeviceAfterNextSubmit(device: () => GPUDevice): void {
  const original = GPUQueue.prototype.submit;
  GPUQueue.prototype.submit = function (this: GPUQueue, buffers: Iterable<GPUCommandBuffer>) {
    GPUQueue.prototype.submit = original;
    original.call(this, buffers);
    device().destroy();
  };
}

const dim = 16;
const rows = randomRows(seededRandom(42), { size: 2000, embeddingDim: dim, categories: 5 });
const lookahead = { depth: 5, beamWidth: 8, shortlist: 64 };

let restore: (() => void) | undefined;
afterEach(() => {
  restore?.();
  restore = undefined;
});

describe.runIf(lane.hasWebGpu)('device loss', () => {
  it('a device destroyed mid-plan: the plan still resolves, on a rebuilt device', async () => {
    await requireAdapter();
    const tracked = trackDevices();
    restore = tracked.restore;
    const options = resolveOptions({ embeddingDim: dim, lookahead });
    const pool = poolOf(rows, dim);
    const u = new Float64Array(dim).fill(0.1);
    const expected = new CpuPlanner().plan(pool, u, null, options);

    const backend = await createWebGpuBackend();
    expect((await backend.plan(pool, u, null, options)).poolIndex).toEqual(expected.poolIndex);
    expect(tracked.devices).toHaveLength(1);

    loseDeviceAfterNextSubmit(() => tracked.devices.at(-1)!);
    const during = await backend.plan(pool, u, null, options);
    expect(during.poolIndex).toEqual(expected.poolIndex);
    expect(tracked.devices).toHaveLength(2);
    expect(backend.stats).toMatchObject({ deviceLosses: 1, submits: 1, readbacks: 1 });
    expect(backend.stats!.buffers).toBeGreaterThan(0);
    // The rebuilt device re-uploaded the pool: the next plan is served from it.
    expect((await backend.plan(pool, u, null, options)).poolIndex).toEqual(expected.poolIndex);
    console.log(`after one loss: ${backend.kind} on ${backend.adapter}, stats ${JSON.stringify(backend.stats)}`);
    backend.dispose();
  });

  it('a second loss: the plan in flight resolves on the CPU, which stays in charge, and info() says why', async () => {
    await requireAdapter();
    const tracked = trackDevices();
    restore = tracked.restore;
    const ranker: Reranker = await createReranker({ backend: 'webgpu', worker: false, embeddingDim: dim, lookahead });
    const reference = await createReranker({ backend: 'cpu', worker: false, embeddingDim: dim, lookahead });
    for (const r of [ranker, reference]) await r.ingest(rows);
    const same = async () => {
      const [plan, cpu] = await Promise.all([ranker.plan(), reference.plan()]);
      expect(plan.items.map((i) => i.id)).toEqual(cpu.items.map((i) => i.id));
      return plan;
    };
    expect((await same()).backend).toBe('webgpu');

    loseDeviceAfterNextSubmit(() => tracked.devices.at(-1)!);
    expect((await same()).backend).toBe('webgpu');
    const afterFirst = await ranker.info();
    expect(afterFirst.backend).toBe('webgpu');
    expect(afterFirst.gpu?.deviceLosses).toBe(1);

    // Feedback between plans, then the second loss in the middle of the next plan.
    const id = (await same()).items[0]!.id;
    for (const r of [ranker, reference]) await r.feedback({ id, dwellMs: 6000 });
    loseDeviceAfterNextSubmit(() => tracked.devices.at(-1)!);
    const fallback = await same();
    expect(fallback.backend).toBe('cpu');
    const info = await ranker.info();
    expect(info.backend).toBe('cpu');
    expect(info.adapter).toBe('cpu');
    expect(info.fallbackReason).toMatch(/lost/);
    expect(info.gpu).toBeUndefined();
    console.log(`after two losses: backend ${info.backend}, fallbackReason: ${info.fallbackReason}`);
    expect((await same()).backend).toBe('cpu');
    expect(tracked.devices).toHaveLength(2);
    await ranker.dispose();
    await reference.dispose();
  });

  it('a device lost between plans is rebuilt by the next plan', async () => {
    await requireAdapter();
    const tracked = trackDevices();
    restore = tracked.restore;
    const options = resolveOptions({ embeddingDim: dim, lookahead });
    const pool = poolOf(rows.slice(0, 300), dim);
    const u = new Float64Array(dim);
    const expected = new CpuPlanner().plan(pool, u, null, options);
    const backend = await createWebGpuBackend();
    await backend.plan(pool, u, null, options);
    tracked.devices[0]!.destroy();
    // The backend's own `lost` handler was attached first, so it has run once this resolves
    // (Firefox resolves it later than Chromium: no fixed wait).
    await tracked.devices[0]!.lost;
    expect(backend.stats!.deviceLosses).toBe(1);
    expect((await backend.plan(pool, u, null, options)).poolIndex).toEqual(expected.poolIndex);
    expect(tracked.devices).toHaveLength(2);
    backend.dispose();
  });
});

describe.runIf(lane.hasWebGpu)('the WebGPU backend as a GPU citizen', () => {
  it('labels every GPU object, and keeps its buffers across plans of one shape', async () => {
    await requireAdapter();
    const unlabelled: string[] = [];
    const patch = <T extends object>(proto: T, method: keyof T) => {
      const original = proto[method] as (...args: unknown[]) => unknown;
      (proto as Record<keyof T, unknown>)[method] = function (this: unknown, ...args: unknown[]) {
        const descriptor = args[0] as { label?: string } | undefined;
        if (!descriptor?.label?.startsWith('swiperank')) unlabelled.push(String(method));
        return original.apply(this, args);
      };
      return () => { (proto as Record<keyof T, unknown>)[method] = original; };
    };
    const restores = (['createBuffer', 'createBindGroup', 'createBindGroupLayout', 'createPipelineLayout',
      'createComputePipelineAsync', 'createShaderModule', 'createCommandEncoder', 'createQuerySet'] as const)
      .map((m) => patch(GPUDevice.prototype, m));
    restores.push(patch(GPUAdapter.prototype, 'requestDevice'), patch(GPUCommandEncoder.prototype, 'beginComputePass'));
    restore = () => restores.forEach((r) => r());

    const options = resolveOptions({ embeddingDim: dim, lookahead });
    const pool = poolOf(rows, dim);
    const backend = await createWebGpuBackend();
    const u = new Float64Array(dim);
    await backend.plan(pool, u, null, options);
    const { buffers, bufferBytes } = backend.stats!;
    // The real calls, not what the backend says of itself: one submit and one map per plan.
    const calls = { submit: 0, mapAsync: 0 };
    const submit = GPUQueue.prototype.submit, mapAsync = GPUBuffer.prototype.mapAsync;
    GPUQueue.prototype.submit = function (this: GPUQueue, ...args: Parameters<GPUQueue['submit']>) {
      calls.submit++;
      return submit.apply(this, args);
    };
    GPUBuffer.prototype.mapAsync = function (this: GPUBuffer, ...args: Parameters<GPUBuffer['mapAsync']>) {
      calls.mapAsync++;
      return mapAsync.apply(this, args);
    };
    restores.push(() => { GPUQueue.prototype.submit = submit; GPUBuffer.prototype.mapAsync = mapAsync; });
    for (let i = 0; i < 5; i++) {
      pool.markShown((await backend.plan(pool, u, null, options)).poolIndex[0]!);
    }
    expect(calls).toEqual({ submit: 5, mapAsync: 5 });
    expect(backend.stats).toMatchObject({ buffers, bufferBytes, submits: 1, readbacks: 1 });
    expect(unlabelled).toEqual([]);
    console.log(`GPU buffers ${buffers} (${(bufferBytes / 1024).toFixed(0)} KiB), per plan: ${backend.stats!.dispatches} dispatches, `
      + `${backend.stats!.submits} submit, ${backend.stats!.readbacks} readback of ${backend.stats!.bytesReadBack} bytes`);
    backend.dispose();
    expect(backend.stats!.buffers).toBe(0);
  });

  it('without an adapter: webgpu rejects WEBGPU_UNAVAILABLE, auto runs on the CPU and says why', async () => {
    await requireAdapter();
    const original = GPU.prototype.requestAdapter;
    GPU.prototype.requestAdapter = async () => null;
    restore = () => { GPU.prototype.requestAdapter = original; };
    await expect(createReranker({ backend: 'webgpu', worker: false })).rejects.toMatchObject({ code: 'WEBGPU_UNAVAILABLE' });
    const ranker = await createReranker({ backend: 'auto', worker: false });
    expect((await ranker.plan()).backend).toBe('cpu');
    // WebGPU opens in the background: its failure is reported once it is known.
    let info = await ranker.info();
    while (info.choice.state === 'measuring') {
      await new Promise((resolve) => setTimeout(resolve, 10));
      info = await ranker.info();
    }
    expect(info.backend).toBe('cpu');
    expect(info.fallbackReason).toMatch(/no WebGPU adapter/);
    expect(info.choice.reason).toMatch(/^WebGPU is unavailable: no WebGPU adapter/);
    await ranker.dispose();
  });
});

describe.runIf(lane.hasWebGpu)('plan latency on this adapter', () => {
  it('pool 10,000 / shortlist 256 / beam 16 / depth 6 / embedding 32, WebGPU next to CPU, in a worker', async () => {
    const adapter = await requireAdapter();
    const embeddingDim = 32;
    const page = randomRows(seededRandom(7), { size: 10_000, embeddingDim, categories: 8 });
    const options = { embeddingDim, lookahead: { shortlist: 256, beamWidth: 16, depth: 6 } };
    const report: string[] = [];
    const plans: Record<string, string[][]> = {};
    for (const backend of ['webgpu', 'cpu'] as const) {
      const ranker = await createReranker({ ...options, backend });
      await ranker.ingest(page);
      let plan = await ranker.plan();
      const first = plan.timings.totalMs;
      const total: number[] = [], gpu: number[] = [];
      plans[backend] = [];
      for (let swipe = 0; swipe < 15; swipe++) {
        plan = await ranker.swipe({ id: plan.items[0]!.id, dwellMs: (swipe * 1700) % 6000 });
        expect(plan.backend).toBe(backend);
        total.push(plan.timings.totalMs);
        if (plan.timings.gpuMs !== undefined) gpu.push(plan.timings.gpuMs);
        plans[backend]!.push(plan.items.map((i) => i.id));
      }
      const median = (xs: number[]) => xs.slice().sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
      const info = await ranker.info();
      report.push(`${backend}: first plan ${first.toFixed(1)} ms, median ${median(total).toFixed(1)} ms, `
        + `max ${Math.max(...total).toFixed(1)} ms${gpu.length ? `, GPU ${median(gpu).toFixed(1)} ms` : ''}`
        + (info.gpu ? `; per plan ${info.gpu.dispatches} dispatches, ${info.gpu.submits} submit, ${info.gpu.readbacks} readback `
          + `(${info.gpu.bytesReadBack} B), ${info.gpu.bytesUploaded} B uploaded, ${info.gpu.buffers} buffers` : ''));
      await ranker.dispose();
    }
    console.log(`plan latency on ${adapter.info.architecture}, engine-side:\n  ${report.join('\n  ')}`);
    expect(plans.webgpu).toEqual(plans.cpu);
  });
});
