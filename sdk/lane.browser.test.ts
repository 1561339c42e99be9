/**
 * First in every browser project: the engine is what the project says it is. It names the
 * engine, its version and its adapter (or "no WebGPU"), and a project meant to have WebGPU
 * fails here, not by skipping, when the adapter is missing (and the reverse).
 */
import { describe, expect, it } from 'vitest';
import { describeAdapter } from './gpu/adapter.js';
import { createReranker } from './index.js';
import { lane } from './testing/lane.js';
import { randomRows, seededRandom } from './testing/instances.js';

describe(`the ${lane.name} lane`, () => {
  it('has WebGPU exactly where the project says so, and info() names the adapter', async () => {
    const adapter = await navigator.gpu?.requestAdapter() ?? null;
    const named = adapter ? describeAdapter(adapter) : null;
    console.log(`engine: ${lane.engine} (${navigator.userAgent}); adapter: ${named
      ? `${named.description}${named.isFallbackAdapter ? ', isFallbackAdapter' : ''}` : 'no WebGPU'}`);
    expect(Boolean(adapter), 'a WebGPU adapter').toBe(lane.hasWebGpu);

    const ranker = await createReranker({ embeddingDim: 4, backend: lane.hasWebGpu ? 'webgpu' : 'auto' });
    try {
      await ranker.ingest(randomRows(seededRandom(3), { size: 40, embeddingDim: 4 }));
      const plan = await ranker.plan();
      const info = await ranker.info();
      console.log(`info(): backend ${info.backend}, adapter "${info.adapter}", in a worker: ${info.worker}`);
      expect(plan.items.length).toBeGreaterThan(0);
      expect(info.worker).toBe(true);
      if (named) {
        expect(info).toMatchObject({ backend: 'webgpu', adapter: named.description });
        expect(info.gpu?.isFallbackAdapter).toBe(named.isFallbackAdapter);
        expect(info.adapter.toLowerCase()).toContain(lane.adapterName);
      } else {
        expect(info).toMatchObject({ backend: 'cpu', adapter: 'cpu' });
        // 'auto' finds out in the background that there is no adapter, and says so.
        await expect.poll(async () => (await ranker.info()).choice.state, { timeout: 10_000 }).toBe('decided');
        const { choice } = await ranker.info();
        console.log(`info().choice: ${choice.state}: ${choice.reason}`);
        expect(choice.reason, 'why not WebGPU').toBeTruthy();
        expect(choice.adapter).toBeUndefined();
        expect((await ranker.info()).backend).toBe('cpu');
      }
    } finally {
      await ranker.dispose();
    }
  });
});
