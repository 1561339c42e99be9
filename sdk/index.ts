/**
 * The package (`swiperank`). `createReranker` starts the worker the host brings (`workerUrl`,
 * `createWorker`), else the one inlined in the package, as its own chunk loaded on first use.
 */
import { createReranker as create, type Reranker } from './reranker.js';
import type { RerankerOptions } from './types.js';
import { startBundledWorker } from './worker/bundled.js';

export * from './public.js';

/**
 * Creates a reranker. Every option has a default; bad options reject with BAD_OPTION or
 * LIMIT_EXCEEDED naming the field. Runs in a Web Worker where one exists.
 */
export function createReranker(options: RerankerOptions = {}): Promise<Reranker> {
  return create(options, startBundledWorker);
}
