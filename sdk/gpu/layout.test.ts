import { describe, expect, it } from 'vitest';
import { KERNELS, moduleBindings, moduleSource } from './kernels.js';
import { struct } from './layout.js';
import { BUFFERS, MODULE_BINDINGS, PLAN_OUT, PLANNED_ITEM, type ModuleName } from './resources.js';

describe('GPU layouts declared once', () => {
  const ITEM = struct('Item', { id: 'u32', weight: 'f32' }, { weight: 'Why it weighs.' });
  const LIST = struct('List', { count: 'u32', items: { of: ITEM, length: 3 } });

  it('writes the WGSL struct and the word offsets from the same fields', () => {
    expect(ITEM.wgsl).toBe('struct Item {\n  id: u32,\n  // Why it weighs.\n  weight: f32,\n}');
    expect(LIST.wgsl).toBe('struct List {\n  count: u32,\n  items: array<Item, 3>,\n}');
    expect([ITEM.words, ITEM.bytes, LIST.words, LIST.word.items]).toEqual([2, 8, 7, 1]);
    expect(PLAN_OUT.word.items + 2 * PLANNED_ITEM.words).toBe(2 + 2 * 5);
  });

  it('writes and reads each field as its WGSL type', () => {
    const u32 = new Uint32Array(4);
    const f32 = new Float32Array(u32.buffer);
    ITEM.write(f32, u32, 2, { id: 7, weight: 0.5 });
    expect([u32[2], f32[3]]).toEqual([7, 0.5]);
    expect(ITEM.read(f32, u32, 2)).toEqual({ id: 7, weight: 0.5 });
  });

  it('numbers every module binding by its place in the table and declares it from its buffer', () => {
    const fuse = moduleSource('fuse').code;
    expect(fuse).toContain('@group(0) @binding(0) var<uniform> plan: PlanParams;');
    expect(fuse).toContain('@group(0) @binding(1) var<storage, read> slots: array<Slot>;');
    expect(moduleSource('beam').code).toContain('var<storage, read_write> planOut: PlanOut;');
    expect(moduleSource('sort').code).toContain('@group(0) @binding(0) var<uniform> sortPass: Pass;');
    for (const module of Object.keys(MODULE_BINDINGS) as ModuleName[]) {
      const code = moduleSource(module).code;
      // The shader files declare no binding of their own: all come from the table.
      expect(code.match(/@binding\(/g)).toHaveLength(moduleBindings(module).length);
    }
  });

  it('gives each kernel bindings of its own module, within the 8 storage buffers a stage may have', () => {
    for (const [name, kernel] of Object.entries(KERNELS)) {
      const table = moduleBindings(kernel.module);
      for (const use of kernel.uses) expect(table.map((b) => b.name), name).toContain(use);
      const storage = table.filter((b) => kernel.uses.includes(b.name) && b.access !== 'uniform' && b.access !== 'pass');
      expect(storage.length, name).toBeLessThanOrEqual(8);
      expect(moduleSource(kernel.module).code, name).toMatch(new RegExp(`fn ${name}\\(`));
    }
    expect(Object.keys(BUFFERS)).toContain('selectScratch');
  });
});
