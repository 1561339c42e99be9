import type { Backend } from '../backend.js';
import type { ResolvedOptions } from '../types.js';

/** Placeholder until the WebGPU backend lands: always unavailable. */
export async function createWebGpuBackend(_options: ResolvedOptions): Promise<Backend> {
  throw new Error('the WebGPU backend is not built yet');
}
