// A host app that installs swiperank: the worker comes from `?worker=url` (the README's recipe,
// `swiperank/worker?url`, emitted by this app's build), `?worker=self` (the same file served from
// this origin by hand) or is the package's inlined default; `?backend=webgpu` forces WebGPU.
import { createReranker } from 'swiperank';
import bundledWorkerUrl from 'swiperank/worker?url';

const out = document.getElementById('result')!;
const params = new URLSearchParams(location.search);

async function run() {
  const mode = params.get('worker');
  const workerUrl = mode === 'self' ? new URL('/swiperank-worker.js', location.href) : mode === 'url' ? bundledWorkerUrl : undefined;
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
