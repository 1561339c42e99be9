import { expect } from 'vitest';
import { SwiperankError } from '../errors.js';

/** The SwiperankError `p` rejects with; fails the test if it resolves or rejects with anything else. */
export async function rejection(p: Promise<unknown>): Promise<SwiperankError> {
  try {
    await p;
  } catch (e) {
    expect(e).toBeInstanceOf(SwiperankError);
    return e as SwiperankError;
  }
  throw new Error('expected a rejection');
}

/** The page's JS heap in MiB after a full collection (Chromium, with --expose-gc). */
export function pageHeapMb(): number {
  (globalThis as { gc?: () => void }).gc?.();
  const memory = (performance as unknown as { memory?: { usedJSHeapSize: number } }).memory;
  expect(memory, 'performance.memory (Chromium)').toBeDefined();
  return memory!.usedJSHeapSize / 2 ** 20;
}
