/**
 * The one buffer pool of a device: buffers by name, reused across plans and grown by
 * doubling. Growing loses contents, so callers learn when a buffer is new.
 */
export class GpuBuffers {
  private readonly buffers = new Map<string, GPUBuffer>();
  /** Bumped when any buffer is replaced: bind groups that name it must be rebuilt. */
  generation = 0;

  constructor(private readonly device: GPUDevice) {}

  /** The buffer `name`, at least `bytes` long; true in `fresh` when it was just (re)created. */
  ensure(name: string, bytes: number, usage: GPUBufferUsageFlags): { buffer: GPUBuffer; fresh: boolean } {
    const needed = Math.max(16, Math.ceil(bytes / 16) * 16);
    const old = this.buffers.get(name);
    if (old && old.size >= needed) return { buffer: old, fresh: false };
    const size = old ? Math.max(needed, old.size * 2) : needed;
    old?.destroy();
    const buffer = this.device.createBuffer({ label: `swiperank.${name}`, size, usage });
    this.buffers.set(name, buffer);
    this.generation++;
    return { buffer, fresh: true };
  }

  get(name: string): GPUBuffer {
    const buffer = this.buffers.get(name);
    if (!buffer) throw new Error(`GPU buffer ${name} was never created`);
    return buffer;
  }

  get count(): number {
    return this.buffers.size;
  }

  get bytes(): number {
    let total = 0;
    for (const b of this.buffers.values()) total += b.size;
    return total;
  }

  destroy(): void {
    for (const b of this.buffers.values()) b.destroy();
    this.buffers.clear();
    this.generation++;
  }
}
