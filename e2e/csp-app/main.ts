// A host app that installs swiperank: the worker comes from `?worker=self` (served from this
// origin, as a strict CSP requires) or is the package's bundled default; `?backend=webgpu` forces WebGPU.
import { createReranker } from 'swiperank';

const out = document.getElementById('result')!;
const params = new URLSearchParams(location.search);

async function run() {
  const workerUrl = params.get('worker') === 'self' ? new URL('/swiperank-worker.js', location.href) : undefined;
  const backend = params.get('backend') === 'webgpu' ? 'webgpu' : 'auto';
  const ranker = await createReranker({ backend, embeddingDim: 4, ...(workerUrl ? { workerUrl } : {}) });
  await ranker.ingest(Array.from({ length: 50 }, (_, i) => ({
    id: `item-${i}`, pCvr: (i % 7) / 70, pVtr: (i % 5) / 5, pSdr: 0.5 + (i % 3) / 7, category: i % 4,
    embedding: [Math.sin(i), Math.cos(i), (i % 2) - 0.5, 1],
  })));
  const plan = await ranker.plan();
  const info = await ranker.info();
  out.textContent = JSON.stringify({ ids: plan.items.map((item) => item.id), backend: plan.backend, adapter: info.adapter, worker: info.worker });
  out.dataset.state = 'done';
}

run().catch((e: Error) => {
  out.textContent = `${e.name}: ${e.message}`;
  out.dataset.state = 'failed';
});
