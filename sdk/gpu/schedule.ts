/**
 * What one plan dispatches, derived from sizes alone (pure, no GPU): the kernels in order,
 * their workgroup counts, the per-pass parameters, and the buffer sizes they need. The
 * shaders read every size from uniforms, so a new shape costs a new table, never a compile.
 */

/** Entries sorted in workgroup memory at once; must match SORT_BLOCK in shaders/common.wgsl. */
export const SORT_BLOCK = 2048;
/** Invocations per workgroup of the data-parallel kernels. */
export const WORKGROUP = 256;
/** Longest plan the output buffer holds (the depth limit). */
export const MAX_DEPTH = 16;

export type KernelName =
  | 'fuse' | 'rankScatter' | 'rankScore'
  | 'sortBlocks' | 'sortGlobal' | 'reduceLists'
  | 'gather' | 'expand' | 'prune' | 'writePlan';

/** Buffers the kernels bind; `rankKeys` and the two list buffers are swapped in per pass. */
export type BufferName =
  | 'plan' | 'passes' | 'slots' | 'embedding' | 'shown' | 'vectors' | 'fused'
  | 'stageKeys' | 'rankKeys' | 'ranks' | 'listsA' | 'listsB'
  | 'shortlist' | 'shortEmbedding' | 'scalars' | 'beams' | 'beamTop' | 'continuation' | 'planOut';

/** Mirrors `struct Pass` in shaders/common.wgsl, field for field. */
export interface PassParams {
  stageFirst: number;
  stageLast: number;
  gap: number;
  dirMask: number;
  lists: number;
  stride: number;
  listLength: number;
  step: number;
  beams: number;
  kept: number;
}
export const PASS_FIELDS: readonly (keyof PassParams)[] = [
  'stageFirst', 'stageLast', 'gap', 'dirMask', 'lists', 'stride', 'listLength', 'step', 'beams', 'kept',
];
/** Bytes of `struct Pass` (12 u32). */
export const PASS_BYTES = 48;

export interface Dispatch {
  kernel: KernelName;
  /** Index into the pass table, for kernels that read `Pass`. */
  pass?: number;
  /** Buffers bound in place of the kernel's defaults, by binding number. */
  rebind?: Readonly<Record<number, BufferName>>;
  x: number;
  y: number;
}

export interface PlanShape {
  /** Pool slots in use, shown ones included. */
  size: number;
  eligible: number;
  /** Shortlist length: min(shortlist option, eligible), at least 1. */
  shortlist: number;
  /** Planned slots: min(depth option, shortlist). */
  depth: number;
  beamWidth: number;
  rank: boolean;
}

export interface Schedule {
  /** Stage-1 keys: `size` rounded up to whole sort blocks. */
  keyCount: number;
  /** Length of one rank-sort segment (0 unless rank fusion). */
  rankSize: number;
  /** Power of two at least the shortlist: K of the top-K lists and the beam sort size. */
  sortSize: number;
  /** Entries each of listsA / listsB must hold. */
  listEntries: number;
  passes: PassParams[];
  dispatches: Dispatch[];
}

export const nextPowerOfTwo = (n: number): number => (n <= 1 ? 1 : 2 ** Math.ceil(Math.log2(n)));

const ALL_BITS = 0xffffffff;

export function buildSchedule(shape: PlanShape): Schedule {
  const { size, eligible, shortlist, depth, beamWidth, rank } = shape;
  const keyCount = Math.max(1, Math.ceil(size / SORT_BLOCK)) * SORT_BLOCK;
  const rankSize = rank ? Math.max(SORT_BLOCK, nextPowerOfTwo(size)) : 0;
  const sortSize = nextPowerOfTwo(shortlist);
  const passes: PassParams[] = [];
  const dispatches: Dispatch[] = [];
  const pass = (p: Partial<PassParams>): number => {
    passes.push({
      stageFirst: 0, stageLast: 0, gap: 0, dirMask: 0, lists: 0, stride: 0, listLength: 0,
      step: 0, beams: 0, kept: 0, ...p,
    });
    return passes.length - 1;
  };
  const groups = (n: number) => Math.max(1, Math.ceil(n / WORKGROUP));

  dispatches.push({ kernel: 'fuse', x: groups(Math.max(keyCount, rankSize)), y: 1 });

  if (rank) {
    // A full bitonic sort per objective: blocks in workgroup memory, wider stages globally.
    const onRankKeys = { 1: 'rankKeys' } as const;
    const blocks = rankSize / SORT_BLOCK;
    dispatches.push({
      kernel: 'sortBlocks', rebind: onRankKeys, x: blocks, y: 3,
      pass: pass({ stageFirst: 2, stageLast: Math.min(rankSize, SORT_BLOCK), dirMask: ALL_BITS, stride: rankSize }),
    });
    for (let stage = 2 * SORT_BLOCK; stage <= rankSize; stage *= 2) {
      for (let gap = stage / 2; gap >= SORT_BLOCK; gap /= 2) {
        dispatches.push({
          kernel: 'sortGlobal', rebind: onRankKeys, x: groups(rankSize / 2), y: 3,
          pass: pass({ stageFirst: stage, gap, stride: rankSize }),
        });
      }
      dispatches.push({
        kernel: 'sortBlocks', rebind: onRankKeys, x: blocks, y: 3,
        pass: pass({ stageFirst: stage, stageLast: stage, dirMask: ALL_BITS, stride: rankSize }),
      });
    }
    dispatches.push({ kernel: 'rankScatter', x: groups(eligible), y: 3 });
    dispatches.push({ kernel: 'rankScore', x: groups(keyCount), y: 1 });
  }

  // Stage 1: sort each block, then merge lists into the best K until one list is left.
  dispatches.push({
    kernel: 'sortBlocks', x: keyCount / SORT_BLOCK, y: 1,
    pass: pass({ stageFirst: 2, stageLast: SORT_BLOCK, dirMask: SORT_BLOCK - 1 }),
  });
  const perGroup = SORT_BLOCK / sortSize;
  const reductions: { lists: number; stride: number; out: number }[] = [];
  let lists = keyCount / SORT_BLOCK;
  let stride = SORT_BLOCK;
  do {
    const out = Math.ceil(lists / perGroup);
    reductions.push({ lists, stride, out });
    lists = out;
    stride = sortSize;
  } while (lists > 1);
  // Alternate targets so that the last reduction writes listsA, which `gather` reads.
  let listEntries = 0;
  reductions.forEach((r, n) => {
    const target: BufferName = (reductions.length - 1 - n) % 2 === 0 ? 'listsA' : 'listsB';
    const source: BufferName = n === 0 ? 'stageKeys' : target === 'listsA' ? 'listsB' : 'listsA';
    listEntries = Math.max(listEntries, r.out * sortSize);
    dispatches.push({
      kernel: 'reduceLists', rebind: { 2: source, 3: target }, x: r.out, y: 1,
      pass: pass({ lists: r.lists, stride: r.stride, listLength: sortSize }),
    });
  });

  dispatches.push({ kernel: 'gather', x: groups(shortlist), y: 1 });

  // Stage 2: the beams alive after step t are known in advance: min(W, beams * unused items).
  let beams = 1;
  for (let step = 0; step < depth; step++) {
    const kept = Math.min(beamWidth, beams * (shortlist - step));
    dispatches.push({ kernel: 'expand', x: beams, y: 1, pass: pass({ step }) });
    dispatches.push({ kernel: 'prune', x: 1, y: 1, pass: pass({ step, beams, kept }) });
    beams = kept;
  }
  dispatches.push({ kernel: 'writePlan', x: 1, y: 1 });

  return { keyCount, rankSize, sortSize, listEntries, passes, dispatches };
}
