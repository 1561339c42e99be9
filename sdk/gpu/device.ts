import { describeAdapter } from './adapter.js';
import { GpuBuffers } from './buffers.js';

function lostError(info: GPUDeviceLostInfo): Error {
  return new Error(`the WebGPU device was lost (${info.reason}${info.message ? `: ${info.message}` : ''})`);
}

/**
 * The owner of one GPUDevice and what lives and dies with it: its buffers, its timestamp
 * queries, its loss and its uncaptured errors. The backend replaces the whole planner,
 * this with it, when the device is lost.
 */
export class GpuDevice {
  /** Set when the device was lost other than by `destroy()`. */
  lost: GPUDeviceLostInfo | null = null;
  /** The adapter is a fallback adapter (see gpu/adapter.ts), for `info().gpu`. */
  isFallbackAdapter = false;
  readonly buffers: GpuBuffers;
  readonly querySet: GPUQuerySet | null;
  /** The largest buffer the device can both create and bind as storage. */
  readonly maxBufferBytes: number;
  private destroying = false;
  /** Rejects the plan waiting on a readback when the device is lost. */
  private abortPending: ((e: Error) => void) | null = null;
  private uncaptured: string | null = null;

  private constructor(
    readonly device: GPUDevice,
    /** Adapter description for `info()`. */
    readonly description: string,
    onLost: (info: GPUDeviceLostInfo) => void,
  ) {
    this.buffers = new GpuBuffers(device);
    this.maxBufferBytes = Math.min(device.limits.maxBufferSize, device.limits.maxStorageBufferBindingSize);
    this.querySet = device.features.has('timestamp-query')
      ? device.createQuerySet({ label: 'swiperank.timestamps', type: 'timestamp', count: 2 })
      : null;
    void device.lost.then((info) => {
      if (this.destroying) return;
      this.lost = info;
      this.abortPending?.(lostError(info));
      onLost(info);
    });
    device.addEventListener('uncapturederror', (event) => {
      this.uncaptured ??= (event as GPUUncapturedErrorEvent).error.message;
    });
  }

  /** Requests an adapter and a device; throws with the reason if either cannot be had. */
  static async open(onLost: (info: GPUDeviceLostInfo) => void): Promise<GpuDevice> {
    const gpu = (globalThis as { navigator?: { gpu?: GPU } }).navigator?.gpu;
    if (!gpu) throw new Error('navigator.gpu is missing: WebGPU is not available in this context');
    const adapter = await gpu.requestAdapter();
    if (!adapter) throw new Error('no WebGPU adapter is available');
    const requiredFeatures: GPUFeatureName[] = adapter.features.has('timestamp-query') ? ['timestamp-query'] : [];
    // Large pools with wide embeddings pass the 128 MiB default binding size.
    const requiredLimits = {
      maxStorageBufferBindingSize: adapter.limits.maxStorageBufferBindingSize,
      maxBufferSize: adapter.limits.maxBufferSize,
    };
    const device = await adapter.requestDevice({ label: 'swiperank', requiredFeatures, requiredLimits });
    const { description, isFallbackAdapter } = describeAdapter(adapter);
    const owner = new GpuDevice(device, description, onLost);
    owner.isFallbackAdapter = isFallbackAdapter;
    return owner;
  }

  /** Throws if the device is lost. */
  checkAlive(): void {
    if (this.lost) throw lostError(this.lost);
  }

  /** Waits for `mapping`, or rejects as soon as the device is lost (a lost device need not settle a map). */
  async untilMapped(mapping: Promise<void>): Promise<void> {
    const aborted = new Promise<never>((_, reject) => { this.abortPending = reject; });
    try {
      await Promise.race([mapping, aborted]);
    } finally {
      this.abortPending = null;
    }
  }

  /** The first uncaptured error since the last call, reported once: a stray error must not fail every later plan too. */
  takeUncaptured(): string | null {
    const message = this.uncaptured;
    this.uncaptured = null;
    return message;
  }

  /** Resolves true once the device is known lost, false if it stays up for `waitMs`. */
  async confirmLoss(waitMs = 300): Promise<boolean> {
    if (this.lost) return true;
    let timer: ReturnType<typeof setTimeout> | undefined;
    await Promise.race([
      this.device.lost,
      new Promise((resolve) => { timer = setTimeout(resolve, waitMs); }),
    ]);
    clearTimeout(timer);
    return this.lost !== null;
  }

  destroy(): void {
    this.destroying = true;
    this.buffers.destroy();
    this.querySet?.destroy();
    this.device.destroy();
  }
}
