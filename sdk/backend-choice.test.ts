import { describe, expect, it } from 'vitest';
import type { Backend } from './backend.js';
import { BackendChoice, CHOICE_RULE, poolClass, type Backends, type PlanInput } from './backend-choice.js';
import { Engine } from './engine.js';
import { CpuPlanner } from './model/planner.js';
import { validateBatch } from './model/validate.js';
import { resolveOptions } from './options.js';
import { randomRows, seededRandom } from './testing/instances.js';
import { poolOf } from './testing/pool.js';
import type { CandidateRow } from './types.js';

const dim = 4;
const rows = (size: number, prefix = 'c'): CandidateRow[] =>
  randomRows(seededRandom(size), { size, embeddingDim: dim, categories: 5, idPrefix: prefix });

interface Fakes {
  /** Backend plan cost in fake ms, by eligible pool size. */
  cpuMs: (n: number) => number;
  gpuMs?: (n: number) => number;
  /** How the fake WebGPU behaves. */
  gpu?: 'ok' | 'unavailable' | 'differs' | 'fails';
  floorMs?: number;
}

/**
 * Fake backends on a fake clock: both plan with the real CPU planner (so their plans agree
 * unless told otherwise) and advance the clock by their cost. The WebGPU fake answers on a
 * later task, as a real readback does.
 */
function fakes(f: Fakes) {
  const clock = { t: 0, now: () => clock.t };
  /** gpuRuns: timing runs, not read back; gpuPlans: plans read back (one check before WebGPU serves). */
  const counts = { gpuOpened: 0, gpuPlans: 0, gpuRuns: 0, gpuPlansStarted: 0, gpuDisposed: 0 };
  const backends: Backends = {
    cpu: (): Backend => {
      const planner = new CpuPlanner();
      return {
        kind: 'cpu', adapter: 'cpu', dispose: () => {},
        plan: async (pool, u, last, options) => {
          clock.t += f.cpuMs(pool.eligibleCount);
          return planner.plan(pool, u, last, options);
        },
      };
    },
    webgpu: async (): Promise<Backend> => {
      await new Promise((r) => setTimeout(r, 1));
      if (f.gpu === 'unavailable') throw new Error('no WebGPU adapter is available');
      counts.gpuOpened++;
      const planner = new CpuPlanner();
      const run = async (eligible: number) => {
        counts.gpuPlansStarted++;
        await new Promise((r) => setTimeout(r, 0));
        if (f.gpu === 'fails') throw new Error('the WebGPU device was lost 2 times');
        clock.t += (f.gpuMs ?? f.cpuMs)(eligible);
      };
      return {
        kind: 'webgpu', adapter: 'fake adapter',
        dispose: () => { counts.gpuDisposed++; },
        readbackFloorMs: async () => f.floorMs ?? 0.1,
        plan: async (pool, u, last, options) => {
          await run(pool.eligibleCount);
          counts.gpuPlans++;
          const plan = planner.plan(pool, u, last, options);
          if (f.gpu === 'differs') plan.poolIndex.reverse();
          return plan;
        },
        runUnread: async (pool) => {
          await run(pool.eligibleCount);
          counts.gpuRuns++;
        },
      };
    },
  };
  return { backends, clock, counts };
}

/** A BackendChoice over a live pool, planned the way the engine plans. */
async function harness(mode: 'auto' | 'cpu' | 'webgpu', f: Fakes, size = 1000, opened = true) {
  const { backends, clock, counts } = fakes(f);
  const pool = poolOf(rows(size), dim);
  const state = { generation: 0, options: resolveOptions({ embeddingDim: dim, backend: mode }) };
  const input = (): PlanInput => ({ pool, interest: new Float64Array(dim), last: null, ...state });
  const choice = new BackendChoice(mode, backends, input, clock.now);
  await choice.start();
  if (opened) {
    // WebGPU opens after the first served plan.
    await choice.plan(input());
    await choice.settled();
  }
  return {
    choice, counts, pool, state,
    /** One served plan, then whatever shadow work it queued. */
    async plan() {
      const served = await choice.plan(input());
      await choice.settled();
      return served.backend;
    },
    async plans(n: number) {
      const served: string[] = [];
      for (let i = 0; i < n; i++) served.push(await this.plan());
      return served;
    },
    /** A server page of `extra` new candidates. */
    grow(extra: number) {
      pool.apply(validateBatch(rows(extra, `g${pool.size}-`), dim), () => false);
      state.generation++;
    },
  };
}

const N = CHOICE_RULE.samples;

describe("backend 'auto': the CPU plans first, then the measurement decides", () => {
  it('serves the first plans on the CPU while WebGPU opens, then switches to a WebGPU that is clearly faster', async () => {
    const h = await harness('auto', { cpuMs: () => 10, gpuMs: () => 5 }, 1000, false);
    expect(h.choice.info()).toMatchObject({ mode: 'auto', state: 'measuring', reason: 'WebGPU opens after the first plan; the CPU plans' });
    expect(h.counts.gpuOpened).toBe(0);
    const served = await h.choice.plan({ pool: h.pool, interest: new Float64Array(dim), last: null, ...h.state });
    expect(served.backend).toBe('cpu');
    expect(h.choice.info().samples).toEqual({ cpu: 1, webgpu: 0 });
    // Once WebGPU is open, CPU plans timed during its start (pipelines compiling) no longer count.
    await h.choice.settled();
    expect(h.choice.info()).toMatchObject({ state: 'measuring', samples: { cpu: 0, webgpu: 0 } });
    expect(await h.plans(N)).toEqual(Array(N).fill('cpu'));
    const info = h.choice.info();
    expect(info).toMatchObject({
      state: 'decided', p50Ms: { cpu: 10, webgpu: 5 }, samples: { cpu: N, webgpu: N }, poolClass: [256, 1023],
      adapter: 'fake adapter', readbackFloorMs: 0.1,
    });
    expect(info.reason).toMatch(/WebGPU p50 5\.00 ms < 0\.8 × CPU p50 10\.0 ms on pools of 256–1023/);
    // The first WebGPU run of a round warms buffers and is not a sample. Timing runs are not
    // read back; one plan is, and matched the CPU's, before WebGPU serves.
    expect(h.counts).toMatchObject({ gpuRuns: N + 1, gpuPlans: 1 });
    expect(await h.plan()).toBe('webgpu');
    expect(h.choice.active.kind).toBe('webgpu');
  });

  it('a served plan resolves before its shadow plan starts', async () => {
    const h = await harness('auto', { cpuMs: () => 10, gpuMs: () => 5 });
    await h.choice.settled();
    for (let i = 0; i < N - 1; i++) await h.plan();
    expect(h.counts.gpuPlansStarted).toBe(0);
    const served = await h.choice.plan({ pool: h.pool, interest: new Float64Array(dim), last: null, ...h.state });
    expect(served.backend).toBe('cpu');
    // The N-th CPU sample queues shadows, on a later task.
    expect(h.counts.gpuPlansStarted).toBe(0);
    await h.choice.settled();
    expect(h.counts.gpuPlansStarted).toBe(N + 2);
  });

  it.each([
    [7.9, 'webgpu'],
    [8.0, 'cpu'],
    [9.5, 'cpu'],
    [30, 'cpu'],
  ])('keeps WebGPU only under the margin: WebGPU %s ms against CPU 10 ms -> %s', async (gpu, chosen) => {
    const h = await harness('auto', { cpuMs: () => 10, gpuMs: () => gpu });
    await h.plans(N);
    expect(h.choice.info()).toMatchObject({ state: 'decided', p50Ms: { cpu: 10, webgpu: expect.closeTo(gpu, 9) } });
    expect(h.choice.active.kind).toBe(chosen);
    // Timing runs are never read: only a winning WebGPU has one plan read back, to check it.
    expect(h.counts.gpuPlans).toBe(chosen === 'webgpu' ? 1 : 0);
    expect(await h.plan()).toBe(chosen);
  });

  it('measures again when the pool moves to another power-of-4 class', async () => {
    // The CPU grows with the pool, WebGPU costs the same: the CPU wins small pools only.
    const h = await harness('auto', { cpuMs: (n) => n / 500, gpuMs: () => 7 }, 1000);
    await h.plans(N);
    expect(h.choice.info()).toMatchObject({ state: 'decided', poolClass: [256, 1023], p50Ms: { cpu: 2, webgpu: 7 } });
    expect(h.choice.active.kind).toBe('cpu');

    // The CPU kept the class: WebGPU's device is released, and the adapter still named.
    expect(h.counts).toMatchObject({ gpuOpened: 1, gpuDisposed: 1 });
    expect(h.choice.info().adapter).toBe('fake adapter');

    h.grow(3000); // 4,000 candidates: class 1,024–4,095, and WebGPU opens again
    expect(await h.choice.plan({ pool: h.pool, interest: new Float64Array(dim), last: null, ...h.state }))
      .toMatchObject({ backend: 'cpu' });
    expect(h.choice.info()).toMatchObject({ state: 'measuring', poolClass: [1024, 4095], samples: { cpu: 1, webgpu: 0 } });
    await h.choice.settled();
    expect(h.counts.gpuOpened).toBe(2);
    await h.plans(N);
    expect(h.choice.info()).toMatchObject({ state: 'decided', p50Ms: { cpu: 8, webgpu: 7 } });
    expect(h.choice.active.kind).toBe('cpu'); // 7 is not under 0.8 × 8

    h.grow(16_000); // 20,000: class 16,384–65,535
    // The first plan of the class is timed while WebGPU reopens, so it does not count.
    await h.plans(N + 1);
    expect(h.counts.gpuOpened).toBe(3);
    expect(h.choice.info()).toMatchObject({ state: 'decided', poolClass: [16384, 65535], p50Ms: { cpu: 40, webgpu: 7 } });
    expect(h.choice.active.kind).toBe('webgpu');
    expect(await h.plan()).toBe('webgpu');
  });

  it('a pool that swings back to a class the CPU won keeps the CPU without reopening WebGPU', async () => {
    // The CPU grows with the pool, WebGPU costs the same: the CPU wins 1,000, WebGPU wins 20,000.
    const h = await harness('auto', { cpuMs: (n) => n / 500, gpuMs: () => 7 }, 1000);
    await h.plans(N);
    expect(h.choice.info()).toMatchObject({ state: 'decided', poolClass: [256, 1023] });
    const won = h.choice.info().reason;
    h.grow(19_000);
    await h.plans(N + 1);
    expect(h.choice.active.kind).toBe('webgpu');
    expect(h.counts.gpuOpened).toBe(2);
    // Shown items take the pool back to 1,000 eligible: the earlier decision holds at once.
    for (let i = 0; i < 19_000; i++) h.pool.markShown(i);
    h.state.generation++;
    expect(h.pool.eligibleCount).toBe(1000);
    expect(await h.plan()).toBe('cpu');
    expect(h.choice.info()).toMatchObject({ state: 'decided', poolClass: [256, 1023], reason: `${won} (measured earlier in this session)` });
    expect(h.counts).toMatchObject({ gpuOpened: 2, gpuDisposed: 2 });
    expect(await h.plans(N)).toEqual(Array(N).fill('cpu'));
    expect(h.counts.gpuOpened).toBe(2);
    // configure({ backend: 'auto' }) measures afresh.
    await h.choice.setMode('auto');
    await h.choice.settled();
    await h.plans(N + 1);
    expect(h.counts.gpuOpened).toBe(3);
    expect(h.choice.info().reason).toBe(won);
  });

  it('a shadow plan that differs from the CPU plan keeps the CPU, says why, and sticks across classes', async () => {
    const h = await harness('auto', { cpuMs: () => 10, gpuMs: () => 1, gpu: 'differs' });
    await h.plans(N);
    const info = h.choice.info();
    expect(info.state).toBe('decided');
    expect(info.reason).toMatch(/^parity: a WebGPU shadow plan chose \[c\d+, .*\] where the CPU chose \[c\d+, .*\]; the CPU keeps planning$/);
    expect(h.choice.active.kind).toBe('cpu');
    h.grow(5000);
    await h.plans(N);
    expect(h.choice.info().reason).toMatch(/^parity/);
    expect(h.choice.active.kind).toBe('cpu');
  });

  it('skips the race when one empty readback already costs more than the margin allows', async () => {
    const h = await harness('auto', { cpuMs: () => 2, gpuMs: () => 0.5, floorMs: 100 });
    await h.plans(N);
    const info = h.choice.info();
    expect(info).toMatchObject({ state: 'decided', readbackFloorMs: 100, p50Ms: { cpu: 2 }, samples: { webgpu: 0 } });
    expect(info.reason).toMatch(/WebGPU cannot win on pools of 256–1023: one empty submit and readback takes 100\.0 ms/);
    expect(h.counts.gpuPlansStarted).toBe(0);
  });

  it('without WebGPU: the CPU plans, and the reason names what was missing', async () => {
    const h = await harness('auto', { cpuMs: () => 1, gpu: 'unavailable' });
    await h.choice.settled();
    expect(h.choice.info()).toMatchObject({ mode: 'auto', state: 'decided', reason: 'WebGPU is unavailable: no WebGPU adapter is available' });
    expect(h.choice.fallbackReason).toBe('no WebGPU adapter is available');
    expect(await h.plans(N + 1)).toEqual(Array(N + 1).fill('cpu'));
  });

  it('a pool that changes class before WebGPU starts to open still decides with the reason WebGPU gave', async () => {
    const h = await harness('auto', { cpuMs: () => 1, gpu: 'unavailable' }, 1000, false);
    const input = () => ({ pool: h.pool, interest: new Float64Array(dim), last: null, ...h.state });
    await h.choice.plan(input());
    // On the same task, before WebGPU opens: 5,000 candidates start another class.
    h.grow(4000);
    await h.choice.plan(input());
    expect(h.choice.info()).toMatchObject({ state: 'measuring', poolClass: [4096, 16383] });
    await h.choice.settled();
    expect(h.choice.info()).toMatchObject({ state: 'decided', reason: 'WebGPU is unavailable: no WebGPU adapter is available' });
  });

  it('a WebGPU failing in a shadow plan hands over to the CPU for good', async () => {
    const h = await harness('auto', { cpuMs: () => 10, gpuMs: () => 1, gpu: 'fails' });
    await h.plans(N);
    expect(h.choice.info()).toMatchObject({ state: 'decided', reason: 'WebGPU backend failed: the WebGPU device was lost 2 times' });
    expect(h.choice.fallbackReason).toMatch(/lost 2 times/);
    expect(h.counts.gpuDisposed).toBe(1);
    h.grow(5000);
    expect(await h.plans(N)).toEqual(Array(N).fill('cpu'));
  });

  it('pool classes are powers of 4', () => {
    expect([0, 3, 4, 255, 256, 1000, 4096, 10_000, 65_535, 65_536].map((n) => poolClass(n)[0]))
      .toEqual([0, 0, 4, 64, 256, 256, 4096, 4096, 16384, 65536]);
  });
});

describe('forced backends and configure({ backend })', () => {
  it("'cpu' never opens WebGPU; 'webgpu' serves from the first plan and rejects WEBGPU_UNAVAILABLE without it", async () => {
    const cpu = await harness('cpu', { cpuMs: () => 1, gpuMs: () => 0.1 });
    expect(await cpu.plans(N + 2)).toEqual(Array(N + 2).fill('cpu'));
    expect(cpu.counts.gpuOpened).toBe(0);
    expect(cpu.choice.info()).toMatchObject({ mode: 'cpu', state: 'decided', reason: "backend 'cpu' was asked for" });

    const gpu = await harness('webgpu', { cpuMs: () => 0.1, gpuMs: () => 50 });
    expect(await gpu.plan()).toBe('webgpu');
    expect(gpu.choice.info()).toMatchObject({ mode: 'webgpu', state: 'decided', reason: "backend 'webgpu' was asked for" });

    await expect(harness('webgpu', { cpuMs: () => 1, gpu: 'unavailable' })).rejects.toMatchObject({
      code: 'WEBGPU_UNAVAILABLE', message: "backend 'webgpu' was asked for, but no WebGPU adapter is available",
    });
  });

  it('configure changes the mode on a live engine: forced, back to auto, and a refused WebGPU changes nothing', async () => {
    const { backends, counts } = fakes({ cpuMs: () => 1 });
    const engine = await Engine.create({ backend: 'cpu', embeddingDim: dim }, { backends });
    engine.ingest(rows(300));
    expect((await engine.plan()).backend).toBe('cpu');
    expect(counts.gpuOpened).toBe(0);

    await engine.configure({ backend: 'webgpu' });
    expect((await engine.plan()).backend).toBe('webgpu');
    expect(engine.info()).toMatchObject({ backend: 'webgpu', adapter: 'fake adapter', choice: { mode: 'webgpu', state: 'decided' } });

    await engine.configure({ backend: 'auto' });
    expect(engine.info().choice).toMatchObject({ mode: 'auto', state: 'measuring' });
    expect((await engine.plan()).backend).toBe('cpu');

    await engine.configure({ backend: 'cpu' });
    expect(engine.info()).toMatchObject({ backend: 'cpu', choice: { mode: 'cpu', reason: "backend 'cpu' was asked for" } });
    expect(counts.gpuDisposed).toBe(1);

    await expect(engine.configure({ backend: 'gpu' as never })).rejects.toMatchObject({ code: 'BAD_OPTION', message: /options\.backend.*"gpu"/ });
    await engine.dispose();

    const bare = await Engine.create({ backend: 'auto', embeddingDim: dim }, { backends: fakes({ cpuMs: () => 1, gpu: 'unavailable' }).backends });
    await expect(bare.configure({ backend: 'webgpu', lookahead: { depth: 2 } })).rejects.toMatchObject({ code: 'WEBGPU_UNAVAILABLE' });
    expect(bare.info().choice.mode).toBe('auto');
    await bare.dispose();
  });
});
