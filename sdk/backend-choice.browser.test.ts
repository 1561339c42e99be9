import { describe, expect, it } from 'vitest';
import { CHOICE_RULE } from './backend-choice.js';
import { describeAdapter } from './gpu/adapter.js';
import { createReranker, type Info, type Plan, type Reranker } from './index.js';
import { requireAdapter } from './testing/gpu.js';
import { randomRows, seededRandom } from './testing/instances.js';
import { lane } from './testing/lane.js';

// One of the bench's cells (bench/results/latest.md): pool 10,000 / shortlist 256 / beam 16 / depth 6 / embedding 32.
const embeddingDim = 32;
const options = { embeddingDim, lookahead: { shortlist: 256, beamWidth: 16, depth: 6 } };
const page = randomRows(seededRandom(12), { size: 10_000, embeddingDim, categories: 8 });
const ids = (plan: Plan) => plan.items.map((i) => i.id);

/** Swipes `auto` and a CPU reference in step until `auto` has decided; every plan must agree. */
async function swipeUntilDecided(auto: Reranker, reference: Reranker, first: Plan): Promise<{ info: Info; swipes: number; plan: Plan }> {
  let plan = first, expected = await reference.plan();
  for (let swipe = 1; swipe <= 200; swipe++) {
    expect(ids(plan)).toEqual(ids(expected));
    const info = await auto.info();
    if (info.choice.state === 'decided') return { info, swipes: swipe - 1, plan };
    // A user looks at each item for a while: shadow plans run in that idle time.
    await new Promise((resolve) => setTimeout(resolve, 30));
    const feedback = { id: plan.items[0]!.id, dwellMs: (swipe * 1300) % 6000 };
    [plan, expected] = await Promise.all([auto.swipe(feedback), reference.swipe(feedback)]);
  }
  throw new Error(`'auto' did not decide in 200 swipes: ${JSON.stringify((await auto.info()).choice)}`);
}

// Measuring WebGPU against the CPU needs an adapter; lanes without one check 'auto' in lane.browser.test.ts.
describe.runIf(lane.hasWebGpu)("backend 'auto' with a WebGPU adapter", () => {
  it('plans on the CPU first, measures WebGPU by shadow plans, then decides and says why', async () => {
    const adapter = await requireAdapter();
    const created = performance.now();
    const auto = await createReranker(options);
    const reference = await createReranker({ ...options, backend: 'cpu' });
    await Promise.all([auto.ingest(page), reference.ingest(page)]);
    const first = await auto.plan();
    const firstPlanMs = performance.now() - created;
    expect(first.backend).toBe('cpu');
    expect((await auto.info()).choice).toMatchObject({ mode: 'auto', state: 'measuring' });

    const { info, swipes, plan } = await swipeUntilDecided(auto, reference, first);
    const { choice } = info;
    console.log(`${describeAdapter(adapter).description}: 'auto' chose ${info.backend} after ${swipes} swipes `
      + `(${choice.decidedAfterMs?.toFixed(0)} ms after start; first plan ${firstPlanMs.toFixed(0)} ms after createReranker): `
      + `${choice.reason}; ${JSON.stringify(choice)}`);
    expect(choice.samples.cpu).toBeGreaterThanOrEqual(CHOICE_RULE.samples);
    expect(choice.poolClass).toEqual([4096, 16383]);
    expect(choice.adapter).toMatch(new RegExp(adapter.info.architecture || '.', 'i'));
    expect(choice.readbackFloorMs).toBeGreaterThan(0);
    // The decision follows the rule from the figures it reports.
    const cpu = choice.p50Ms.cpu!, gpu = choice.p50Ms.webgpu;
    if (info.backend === 'webgpu') {
      expect(gpu! < CHOICE_RULE.margin * cpu).toBe(true);
      expect(choice.reason).toMatch(/^WebGPU p50 .* < 0\.8 × CPU p50/);
    } else if (gpu !== undefined) {
      expect(gpu >= CHOICE_RULE.margin * cpu).toBe(true);
      expect(choice.reason).toMatch(/^WebGPU p50 .* is not under 0\.8 × CPU p50/);
    } else {
      expect(choice.reason).toMatch(/^WebGPU cannot win/);
    }
    // After the decision the plans come from the chosen backend and still match the CPU's.
    const feedback = { id: plan.items[0]!.id, dwellMs: 3000 };
    const [next, expected] = await Promise.all([auto.swipe(feedback), reference.swipe(feedback)]);
    expect(next.backend).toBe(info.backend);
    expect(ids(next)).toEqual(ids(expected));
    await auto.dispose();
    await reference.dispose();
  });

  it("times WebGPU without reading its mapped memory on the CPU engine's thread, unless WebGPU wins", async () => {
    // Reading a mapped range slows that thread's typed-array code for good (GpuPlanner.runUnread):
    // timing runs must not read it. The engine runs in this page (worker: false) to be observed.
    const adapter = await requireAdapter();
    const proto = GPUBuffer.prototype;
    const original = proto.getMappedRange;
    let reads = 0;
    proto.getMappedRange = function (this: GPUBuffer, ...args: Parameters<GPUBuffer['getMappedRange']>) {
      reads++;
      return original.apply(this, args);
    };
    try {
      const auto = await createReranker({ ...options, worker: false, persistence: false });
      const reference = await createReranker({ ...options, backend: 'cpu', worker: false, persistence: false });
      await Promise.all([auto.ingest(page), reference.ingest(page)]);
      const { info } = await swipeUntilDecided(auto, reference, await auto.plan());
      console.log(`${describeAdapter(adapter).description}: 'auto' chose ${info.backend} with ${reads} mapped-range reads, `
        + `${info.choice.samples.webgpu} WebGPU samples: ${info.choice.reason}`);
      if (info.backend === 'webgpu') expect(reads).toBeGreaterThanOrEqual(1);
      else expect(reads).toBe(0);
      await auto.dispose();
      await reference.dispose();
    } finally {
      proto.getMappedRange = original;
    }
  });

  it("forced 'webgpu' and 'cpu' plan on their backend from the first plan; configure({ backend }) switches a live reranker", async () => {
    await requireAdapter();
    const small = page.slice(0, 500);
    const gpu = await createReranker({ ...options, backend: 'webgpu' });
    await gpu.ingest(small);
    expect((await gpu.plan()).backend).toBe('webgpu');
    expect((await gpu.info()).choice).toMatchObject({ mode: 'webgpu', state: 'decided', reason: "backend 'webgpu' was asked for" });

    const cpu = await createReranker({ ...options, backend: 'cpu' });
    await cpu.ingest(small);
    expect((await cpu.plan()).backend).toBe('cpu');
    expect((await cpu.info()).choice).toMatchObject({ mode: 'cpu', state: 'decided' });

    await cpu.configure({ backend: 'webgpu' });
    const switched = await cpu.plan();
    expect(switched.backend).toBe('webgpu');
    expect(ids(switched)).toEqual(ids(await gpu.plan()));
    await cpu.configure({ backend: 'auto' });
    expect((await cpu.plan()).backend).toBe('cpu');
    expect((await cpu.info()).choice).toMatchObject({ mode: 'auto', state: 'measuring' });
    await gpu.dispose();
    await cpu.dispose();
  });
});
