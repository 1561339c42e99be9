import { expect } from 'vitest';
import { describeAdapter } from '../gpu/adapter.js';

/** Every GPU test starts here: no adapter, no pass; the adapter it ran on is printed. */
export async function requireAdapter(): Promise<GPUAdapter> {
  const adapter = await navigator.gpu?.requestAdapter();
  expect(adapter, 'a WebGPU adapter').toBeTruthy();
  console.log(`adapter: ${describeAdapter(adapter!).description}`);
  return adapter!;
}
