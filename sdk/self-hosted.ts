/**
 * `swiperank/self-hosted`: the package without its inlined worker, for hosts that serve the
 * worker themselves (a strict CSP). A build that imports this entry emits no inlined worker;
 * `createReranker` needs `workerUrl` or `createWorker` (or `worker: false`).
 */
import { createReranker as create, type Reranker } from './reranker.js';
import type { RerankerOptions } from './types.js';

export * from './public.js';

/** As `createReranker` from `swiperank`, with the host's worker only. */
export function createReranker(options: RerankerOptions = {}): Promise<Reranker> {
  return create(options, null);
}
